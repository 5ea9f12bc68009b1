package customer

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
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
	// An empty short name is suggested from the company name, so while the
	// company name is wrong only the company name is reported.
	if msg := CheckShortName(in.ShortName); msg != "" && (in.ShortName != "" || f["companyName"] == "") {
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
	case hasHidden(name, allowEmojiJoiner|allowVariation):
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
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return "Short name must not contain spaces."
	case hasHidden(s, 0), strings.IndexFunc(s, isSpace) >= 0:
		// Zero-width "spaces" are invisible characters to the person who
		// pasted them, not spaces they could see and remove.
		return "Short name must not contain control or invisible formatting characters."
	case mixesScripts(s):
		return "Short name must not mix alphabets (for example Latin and Cyrillic letters)."
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
	case hasHidden(c.Name, allowVariation):
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
	if len(s) > MaxContactEmail || hasHidden(s, 0) || strings.IndexFunc(s, isSpace) >= 0 {
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

// What hasHidden lets through, in its place only.
const (
	// allowEmojiJoiner lets a zero-width joiner join two emoji (👩‍💻).
	allowEmojiJoiner = 1 << iota
	// allowVariation lets a variation selector follow what it selects a
	// form of: text or emoji style after an emoji or a keycap digit (🛡️),
	// an ideographic variant after a Han character.
	allowVariation
)

// hasHidden finds what would make a name read differently from what it is:
// control characters, format characters (Unicode category Cf: zero-width
// joiners and non-joiners, soft hyphens, word joiners, BOMs, bidi controls,
// tags) and the other characters that draw nothing (variation selectors,
// Hangul fillers, the combining grapheme joiner). allow lets emoji sequences
// keep their joiners and variation selectors, and nothing else.
func hasHidden(s string, allow int) bool {
	var prev rune = -1
	for i, r := range s {
		switch {
		case r == '\u200d' && allow&allowEmojiJoiner != 0:
			next, _ := utf8.DecodeRuneInString(s[i+len("\u200d"):])
			if !(isEmoji(prev) || isEmojiModifier(prev) || prev == '\ufe0f') || !isEmoji(next) {
				return true
			}
		case unicode.Is(unicode.Variation_Selector, r):
			next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if allow&allowVariation == 0 || !selects(r, prev, next) {
				return true
			}
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
			return true
		}
		prev = r
	}
	return false
}

// selects reports whether the variation selector vs may stand between base
// and next: after an emoji, after a keycap's digit (#, * or 0-9) when the
// keycap follows (1️⃣), or an ideographic variant after a Han character.
func selects(vs, base, next rune) bool {
	switch {
	case vs == '\ufe0e' || vs == '\ufe0f':
		keycap := base == '#' || base == '*' || (base >= '0' && base <= '9')
		return isEmoji(base) || keycap && next == '\u20e3'
	case vs >= 0xe0100 && vs <= 0xe01ef:
		return unicode.Is(unicode.Han, base)
	}
	return false
}

// isEmoji approximates Unicode's Extended_Pictographic, which Go has no
// table of: emoji are symbols (So, and the arrows that are Sm), plus the few
// that Unicode files under punctuation or letters (‼ ⁉ 〰 〽 ℹ).
func isEmoji(r rune) bool {
	if r < 0x80 || r == utf8.RuneError {
		return false
	}
	switch r {
	case '\u203c', '\u2049', '\u3030', '\u303d', '\u2139':
		return true
	}
	return unicode.In(r, unicode.So, unicode.Sm)
}

// isEmojiModifier is a skin tone, which ends an emoji before a joiner.
func isEmojiModifier(r rune) bool { return r >= 0x1f3fb && r <= 0x1f3ff }

// mixesScripts reports letters of more than one script, the classic
// look-alike ("Cоntoso" with a Cyrillic о). Digits, punctuation and marks
// (scripts Common and Inherited) go with anything. As in Unicode's "highly
// restrictive" profile (UTS #39), the scripts written together are one:
// Han with Hiragana and Katakana (Japanese), Han with Hangul (Korean), Han
// with Bopomofo (Chinese), each also with Latin.
func mixesScripts(s string) bool {
	var seen uint8
	other := ""
	for _, r := range s {
		switch name := scriptOf(r); name {
		case "", "Common", "Inherited":
		case "Latin":
			seen |= sLatin
		case "Han":
			seen |= sHan
		case "Hiragana", "Katakana":
			seen |= sKana
		case "Hangul":
			seen |= sHangul
		case "Bopomofo":
			seen |= sBopomofo
		default:
			if other != "" && other != name {
				return true
			}
			other = name
			seen |= sOther
		}
	}
	switch {
	case seen&sOther != 0:
		return seen != sOther
	case seen&sKana != 0:
		return seen&(sHangul|sBopomofo) != 0
	case seen&sHangul != 0:
		return seen&sBopomofo != 0
	}
	return false
}

const (
	sLatin = 1 << iota
	sHan
	sKana
	sHangul
	sBopomofo
	sOther
)

// scriptOf names the Unicode script of r ("" when it has none).
func scriptOf(r rune) string {
	if r < 0x80 {
		if unicode.IsLetter(r) {
			return "Latin"
		}
		return "Common"
	}
	for _, name := range [...]string{"Latin", "Common", "Inherited", "Han", "Hiragana", "Katakana", "Hangul", "Cyrillic", "Greek"} {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	for name, t := range unicode.Scripts {
		if unicode.Is(t, r) {
			return name
		}
	}
	return ""
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

// MsgShortNameTaken is what a partner reads when a short name is already
// used by another of their live customers (the store knows that).
const MsgShortNameTaken = "This short name is already used by another of your customers."

// ShortNameKey is the form under which short names are unique for a
// partner, and the only place that computes it: compatibility-normalised
// (NFKC, so "Ｃontoso" is "Contoso") and case-folded (so "Straße" and
// "STRASSE" are one). The second NFKC puts back together what folding took apart.
func ShortNameKey(s string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
}
