package web

import (
	"fmt"
	"time"
)

// now is the clock of the relative times; tests may replace it.
var now = time.Now

// ago says how long ago t was in the words a person uses ("3 minutes ago");
// the absolute time goes next to it (when), for anyone who needs it exactly.
func ago(t time.Time) string {
	d := now().Sub(t)
	switch {
	case d < 45*time.Second:
		return "just now"
	case d < 90*time.Second:
		return "a minute ago"
	case d < 45*time.Minute:
		return fmt.Sprintf("%d minutes ago", int(d.Round(time.Minute)/time.Minute))
	case d < 90*time.Minute:
		return "an hour ago"
	case d < 22*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Round(time.Hour)/time.Hour))
	case d < 36*time.Hour:
		return "yesterday"
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d.Round(24*time.Hour)/(24*time.Hour)))
	}
	return t.UTC().Format("2 Jan 2006")
}

// until says how far ahead t is ("in 5 days"), for expiry dates.
func until(t time.Time) string {
	d := t.Sub(now())
	switch {
	case d <= 0:
		return "now"
	case d < 36*time.Hour:
		return "within a day"
	}
	return fmt.Sprintf("in %d days", int(d.Round(24*time.Hour)/(24*time.Hour)))
}

// when is the absolute time, in UTC and labelled so, because the server
// cannot know the reader's zone.
func when(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

// iso is the machine-readable time of a <time datetime> attribute.
func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }
