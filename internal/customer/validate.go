package customer

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the fields; the UI shows them too.
const (
	MaxCompanyName  = 100
	MaxShortName    = 10
	MaxContactName  = 100
	MaxContactEmail = 254
	MaxPhone        = 30
)

// Normalize trims the fields the way validation reads them, so that what is
// stored is exactly what was checked.
func (in Input) Normalize() Input {
	in.CompanyName = strings.TrimSpace(in.CompanyName)
	in.ShortName = strings.TrimSpace(in.ShortName)
	in.Contact.Name = strings.TrimSpace(in.Contact.Name)
	in.Contact.Email = strings.TrimSpace(in.Contact.Email)
	in.Contact.Phone = strings.TrimSpace(in.Contact.Phone)
	return in
}

// Validate checks a normalized input and returns a *ValidationError naming
// every wrong field, or nil. Uniqueness of the short name needs the store and
// is checked there.
func (in Input) Validate() error {
	f := map[string]string{}
	if !in.Type.Valid() {
		f["type"] = "Choose Customer or DEMO."
	}
	if msg := CheckCompanyName(in.CompanyName); msg != "" {
		f["companyName"] = msg
	}
	if msg := CheckShortName(in.ShortName); msg != "" {
		f["shortName"] = msg
	}
	checkContact(in.Contact, f)
	if len(f) > 0 {
		return &ValidationError{Fields: f}
	}
	return nil
}

// CheckCompanyName returns why name is not a valid company name, or "".
func CheckCompanyName(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		return "Company name must be valid text."
	case n == 0:
		return "Enter the company name."
	case n > MaxCompanyName:
		return "Company name must be at most 100 characters."
	case hasHidden(name):
		return "Company name must not contain control or invisible formatting characters."
	}
	return ""
}

// CheckShortName returns why s is not a valid short name, or "".
func CheckShortName(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return "Short name must be valid text."
	case n == 0:
		return "Enter a short name."
	case n > MaxShortName:
		return "Short name must be at most 10 characters."
	case strings.IndexFunc(s, isSpace) >= 0:
		return "Short name must not contain spaces."
	case hasHidden(s):
		return "Short name must not contain control or invisible formatting characters."
	}
	return ""
}

func checkContact(c Contact, f map[string]string) {
	switch n := utf8.RuneCountInString(c.Name); {
	case !utf8.ValidString(c.Name):
		f["contact.name"] = "Contact name must be valid text."
	case n == 0:
		f["contact.name"] = "Enter the contact's name."
	case n > MaxContactName:
		f["contact.name"] = "Contact name must be at most 100 characters."
	case hasHidden(c.Name):
		f["contact.name"] = "Contact name must not contain control or invisible formatting characters."
	}
	if c.Email == "" {
		f["contact.email"] = "Enter the contact's email address."
	} else if !ValidEmail(c.Email) {
		f["contact.email"] = "Enter a valid email address, like name@example.com."
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		f["contact.phone"] = "Phone may contain only digits, spaces and + ( ) -, at most 30 characters."
	}
}

// ValidEmail accepts a plain address (no display name) with a dotted domain.
func ValidEmail(s string) bool {
	if len(s) > MaxContactEmail || hasHidden(s) || strings.IndexFunc(s, isSpace) >= 0 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

func validPhone(s string) bool {
	if len(s) > MaxPhone {
		return false
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '+' || r == '(' || r == ')' || r == '-':
		default:
			return false
		}
	}
	return digits >= 3
}

// isSpace is white space of any kind, including the zero-width ones that
// unicode.IsSpace does not count.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u2060' || r == '\ufeff' || r == '\u180e'
}

// hasHidden finds control characters and invisible format characters (bidi
// overrides, zero-width joiners used to spoof) that would make a name read
// differently from what it is. Emoji sequences keep their joiner.
func hasHidden(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
		if (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f' || r == '\u061c' {
			return true
		}
	}
	return false
}

// SuggestShortName derives a short name from a company name: its first word
// when that is long enough, else its words joined, letters and digits only,
// cut at 10 characters. It returns "" when nothing usable is left.
func SuggestShortName(company string) string {
	words := strings.FieldsFunc(company, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return ""
	}
	s := words[0]
	for _, w := range words[1:] {
		if utf8.RuneCountInString(s) >= 4 {
			break
		}
		s += w
	}
	return truncate(s, MaxShortName)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ShortNameKey is the form under which short names are unique for a partner.
func ShortNameKey(s string) string { return strings.ToLower(s) }
