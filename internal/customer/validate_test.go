package customer

import (
	"strings"
	"testing"
)

func valid() Input {
	return Input{Type: TypeDemo, CompanyName: "Contoso Ltd", ShortName: "Contoso",
		Contact: Contact{Name: "Ada Lovelace", Email: "ada@contoso.example", Phone: "+44 (20) 7946-0000"}}
}

// TestValidate is the rule table shared by the UI and the API: each row
// changes one field of a valid input and names the field that must fail
// ("" when the input stays valid).
func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Input)
		field string
	}{
		{"valid", func(*Input) {}, ""},
		{"customer type", func(in *Input) { in.Type = TypeCustomer }, ""},
		{"unknown type", func(in *Input) { in.Type = "trial" }, "type"},
		{"empty type", func(in *Input) { in.Type = "" }, "type"},
		{"empty company", func(in *Input) { in.CompanyName = "" }, "companyName"},
		{"blank company", func(in *Input) { in.CompanyName = "   \t " }, "companyName"},
		{"company 100 chars", func(in *Input) { in.CompanyName = strings.Repeat("a", 100) }, ""},
		{"company 101 chars", func(in *Input) { in.CompanyName = strings.Repeat("a", 101) }, "companyName"},
		{"company 100 runes of 2 bytes", func(in *Input) { in.CompanyName = strings.Repeat("é", 100) }, ""},
		{"company with newline", func(in *Input) { in.CompanyName = "Contoso\nLtd" }, "companyName"},
		{"company with NUL", func(in *Input) { in.CompanyName = "Contoso\x00" }, "companyName"},
		{"company with bidi override", func(in *Input) { in.CompanyName = "Contoso \u202eLtd" }, "companyName"},
		{"company invalid utf-8", func(in *Input) { in.CompanyName = "Cont\xffoso" }, "companyName"},
		{"company markup is text", func(in *Input) { in.CompanyName = "<script>alert(1)</script>" }, ""},
		{"company SQL is text", func(in *Input) { in.CompanyName = "Robert'); DROP TABLE customers;--" }, ""},
		{"company emoji", func(in *Input) { in.CompanyName = "Contoso 🛡️ Security" }, ""},
		{"company right-to-left script", func(in *Input) { in.CompanyName = "شركة الأمن" }, ""},
		{"empty short name", func(in *Input) { in.ShortName = "" }, "shortName"},
		{"empty short name and company: only the company is blamed", func(in *Input) { in.ShortName, in.CompanyName = "", "" }, "companyName"},
		{"short name 10", func(in *Input) { in.ShortName = "abcdefghij" }, ""},
		{"short name 11", func(in *Input) { in.ShortName = "abcdefghijk" }, "shortName"},
		{"short name 10 runes", func(in *Input) { in.ShortName = "ÄÖÜäöüßéèê" }, ""},
		{"short name space", func(in *Input) { in.ShortName = "a b" }, "shortName"},
		{"short name tab", func(in *Input) { in.ShortName = "a\tb" }, "shortName"},
		{"short name nbsp", func(in *Input) { in.ShortName = "a\u00a0b" }, "shortName"},
		{"short name ideographic space", func(in *Input) { in.ShortName = "a\u3000b" }, "shortName"},
		{"short name zero-width space", func(in *Input) { in.ShortName = "a\u200bb" }, "shortName"},
		{"short name line separator", func(in *Input) { in.ShortName = "a\u2028b" }, "shortName"},
		{"short name control", func(in *Input) { in.ShortName = "a\x07b" }, "shortName"},
		{"empty contact name", func(in *Input) { in.Contact.Name = "" }, "contact.name"},
		{"contact name 101", func(in *Input) { in.Contact.Name = strings.Repeat("n", 101) }, "contact.name"},
		{"empty email", func(in *Input) { in.Contact.Email = "" }, "contact.email"},
		{"email without at", func(in *Input) { in.Contact.Email = "ada.contoso.example" }, "contact.email"},
		{"email without dot in domain", func(in *Input) { in.Contact.Email = "ada@localhost" }, "contact.email"},
		{"email with display name", func(in *Input) { in.Contact.Email = "Ada <ada@contoso.example>" }, "contact.email"},
		{"email with space", func(in *Input) { in.Contact.Email = "ada @contoso.example" }, "contact.email"},
		{"email header injection", func(in *Input) { in.Contact.Email = "ada@contoso.example\r\nBcc: x@y.z" }, "contact.email"},
		{"email plus", func(in *Input) { in.Contact.Email = "ada+demo@contoso.example" }, ""},
		{"no phone", func(in *Input) { in.Contact.Phone = "" }, ""},
		{"phone letters", func(in *Input) { in.Contact.Phone = "call me" }, "contact.phone"},
		{"phone too long", func(in *Input) { in.Contact.Phone = strings.Repeat("1", 31) }, "contact.phone"},
		{"phone markup", func(in *Input) { in.Contact.Phone = "<b>123</b>" }, "contact.phone"},

		// Invisible characters: every format character (Cf) is refused in
		// short names and contact names; company names keep them only
		// inside emoji sequences.
		{"short name ZWJ", func(in *Input) { in.ShortName = "Con\u200dtoso" }, "shortName"},
		{"short name ZWNJ", func(in *Input) { in.ShortName = "Con\u200ctoso" }, "shortName"},
		{"short name soft hyphen", func(in *Input) { in.ShortName = "Con\u00adtoso" }, "shortName"},
		{"short name word joiner", func(in *Input) { in.ShortName = "Con\u2060toso" }, "shortName"},
		{"short name BOM", func(in *Input) { in.ShortName = "Con\ufefftoso" }, "shortName"},
		{"short name LRM", func(in *Input) { in.ShortName = "Contoso\u200e" }, "shortName"},
		{"short name bidi isolate", func(in *Input) { in.ShortName = "\u2067Contoso" }, "shortName"},
		{"short name tag character", func(in *Input) { in.ShortName = "Contoso\U000e0041" }, "shortName"},
		{"short name variation selector", func(in *Input) { in.ShortName = "Contoso\ufe0f" }, "shortName"},
		{"short name Hangul filler", func(in *Input) { in.ShortName = "Con\u3164toso" }, "shortName"},
		{"short name combining grapheme joiner", func(in *Input) { in.ShortName = "Con\u034ftoso" }, "shortName"},
		{"short name combining accent", func(in *Input) { in.ShortName = "Contoso\u0301" }, ""},
		{"company ZWJ in a word", func(in *Input) { in.CompanyName = "Con\u200dtoso Ltd" }, "companyName"},
		{"company ZWNJ", func(in *Input) { in.CompanyName = "Con\u200ctoso Ltd" }, "companyName"},
		{"company soft hyphen", func(in *Input) { in.CompanyName = "Con\u00adtoso Ltd" }, "companyName"},
		{"company word joiner", func(in *Input) { in.CompanyName = "Contoso\u2060Ltd" }, "companyName"},
		{"company BOM", func(in *Input) { in.CompanyName = "\ufeffContoso Ltd" }, "companyName"},
		{"company tag characters", func(in *Input) { in.CompanyName = "Contoso\U000e0069\U000e0067\U000e006e Ltd" }, "companyName"},
		{"company Hangul filler", func(in *Input) { in.CompanyName = "Contoso\u3164Ltd" }, "companyName"},
		{"company ZWJ between emoji", func(in *Input) { in.CompanyName = "Contoso \U0001f469\u200d\U0001f4bb Labs" }, ""},
		{"company ZWJ after skin tone", func(in *Input) { in.CompanyName = "Contoso \U0001f469\U0001f3fd\u200d\U0001f4bb" }, ""},
		{"company ZWJ after emoji style", func(in *Input) { in.CompanyName = "Contoso \U0001f3f3\ufe0f\u200d\U0001f308" }, ""},
		{"company keycap", func(in *Input) { in.CompanyName = "Contoso 1\ufe0f\u20e3" }, ""},
		{"company ZWJ after a letter", func(in *Input) { in.CompanyName = "Contoso\u200d\U0001f4bb" }, "companyName"},
		{"company ZWJ before a letter", func(in *Input) { in.CompanyName = "\U0001f4bb\u200dContoso" }, "companyName"},
		{"company ZWJ at the end", func(in *Input) { in.CompanyName = "Contoso \U0001f469\u200d" }, "companyName"},
		{"company variation selector after a letter", func(in *Input) { in.CompanyName = "Contoso\ufe0f Ltd" }, "companyName"},
		{"company variation selector after a digit", func(in *Input) { in.CompanyName = "Contoso 1\ufe0f" }, "companyName"},
		{"company ideographic variant", func(in *Input) { in.CompanyName = "\u845b\U000e0100\u98fe\u5546\u4e8b" }, ""},
		{"company ideographic variant after Latin", func(in *Input) { in.CompanyName = "Contoso\U000e0100" }, "companyName"},
		{"contact name ZWJ", func(in *Input) { in.Contact.Name = "Ada\u200dLovelace" }, "contact.name"},
		{"contact name ZWJ between emoji", func(in *Input) { in.Contact.Name = "Ada \U0001f469\u200d\U0001f4bb" }, "contact.name"},
		{"contact name soft hyphen", func(in *Input) { in.Contact.Name = "Ada Love\u00adlace" }, "contact.name"},
		{"contact name bidi override", func(in *Input) { in.Contact.Name = "Ada \u202eLovelace" }, "contact.name"},
		{"contact name emoji style", func(in *Input) { in.Contact.Name = "Ada \U0001f6e1\ufe0f" }, ""},
		{"email ZWJ", func(in *Input) { in.Contact.Email = "ada\u200d@contoso.example" }, "contact.email"},

		// Look-alikes: letters of one script only (Japanese, Korean and
		// Chinese count as one each); width variants are allowed but share
		// the uniqueness key of their plain form (TestShortNameKey).
		{"short name Cyrillic o in Latin", func(in *Input) { in.ShortName = "C\u043entoso" }, "shortName"},
		{"short name Greek omicron in Latin", func(in *Input) { in.ShortName = "C\u03bfntoso" }, "shortName"},
		{"short name Cyrillic and Greek", func(in *Input) { in.ShortName = "\u0410\u0391" }, "shortName"},
		{"short name Latin and Armenian", func(in *Input) { in.ShortName = "Contos\u0585" }, "shortName"},
		{"short name all Cyrillic", func(in *Input) { in.ShortName = "Контосо" }, ""},
		{"short name all Greek", func(in *Input) { in.ShortName = "Αθήνα" }, ""},
		{"short name full-width", func(in *Input) { in.ShortName = "Ｃontoso" }, ""},
		{"short name Japanese scripts", func(in *Input) { in.ShortName = "東京カブコム" }, ""},
		{"short name Japanese with Latin", func(in *Input) { in.ShortName = "NTTドコモ" }, ""},
		{"short name Korean with Han", func(in *Input) { in.ShortName = "三星전자" }, ""},
		{"short name Katakana and Hangul", func(in *Input) { in.ShortName = "カブ전자" }, "shortName"},
		{"short name Hangul and Cyrillic", func(in *Input) { in.ShortName = "전자Контосо" }, "shortName"},
		{"short name digits and punctuation", func(in *Input) { in.ShortName = "A-1_b.2&C" }, ""},
		{"short name Cyrillic with digits", func(in *Input) { in.ShortName = "Контосо-24" }, ""},
		{"short name length as typed", func(in *Input) { in.ShortName = "\u337f\u337f" }, ""},
		{"short name 10 full-width", func(in *Input) { in.ShortName = "ＡＢＣＤＥＦＧＨＩＪ" }, ""},
		{"short name 11 full-width", func(in *Input) { in.ShortName = "ＡＢＣＤＥＦＧＨＩＪＫ" }, "shortName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := valid()
			tc.edit(&in)
			err := in.Normalize().Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			ve, ok := AsValidation(err)
			if !ok {
				t.Fatalf("want a validation error on %s, got %v", tc.field, err)
			}
			if ve.Fields[tc.field] == "" || len(ve.Fields) != 1 {
				t.Fatalf("want exactly %s wrong, got %v", tc.field, ve.Fields)
			}
		})
	}
}

func TestSuggestShortName(t *testing.T) {
	cases := map[string]string{
		"Contoso Ltd":              "Contoso",
		"Fabrikam Industries GmbH": "Fabrikam",
		"A1 Security":              "A1Security",
		"Northwind Traders":        "Northwind",
		"Supercalifragilistic AG":  "Supercalif",
		"  ":                       "",
		"<script>":                 "script",
		"Müller & Söhne":           "Müller",
		"株式会社 セキュリティ":              "株式会社",
	}
	for in, want := range cases {
		got := SuggestShortName(in)
		if got != want {
			t.Errorf("SuggestShortName(%q) = %q, want %q", in, got, want)
		}
		if got != "" && CheckShortName(got) != "" {
			t.Errorf("suggestion %q is not itself valid: %s", got, CheckShortName(got))
		}
	}
}

// TestShortNameMessages pins what people read for the faults QA found.
func TestShortNameMessages(t *testing.T) {
	const hidden = "Short name must not contain control or invisible formatting characters."
	const mixed = "Short name must not mix alphabets (for example Latin and Cyrillic letters)."
	cases := map[string]string{
		"Con\u200dtoso": hidden,
		"Con\u200ctoso": hidden,
		"Con\u00adtoso": hidden,
		"C\u043entoso":  mixed,
		"C\u03bfntoso":  mixed,
		"Contoso":       "",
	}
	for in, want := range cases {
		if got := CheckShortName(in); got != want {
			t.Errorf("CheckShortName(%+q) = %q, want %q", in, got, want)
		}
	}
	if got := CheckCompanyName("Con\u00adtoso"); got != "Company name must not contain control or invisible formatting characters." {
		t.Errorf("company name with a soft hyphen: %q", got)
	}
}

// TestShortNameKey: names that read the same share a key, so the store's
// unique index refuses the second; names that differ keep theirs apart.
func TestShortNameKey(t *testing.T) {
	same := [][2]string{
		{"Ｃontoso", "contoso"},
		{"ＣＯＮＴＯＳＯ", "Contoso"},
		{"CONTOSO", "contoso"},
		{"Straße", "STRASSE"},
		{"\ufb01nance", "Finance"},           // ﬁ ligature
		{"Contos\u00f3", "Contoso\u0301"},    // precomposed and combining ó
		{"\uff7a\uff9d\uff84\uff7f", "コントソ"}, // half-width katakana
		{"Contoso\u2460", "contoso1"},        // circled digit one
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},               // final sigma
	}
	for _, p := range same {
		if a, b := ShortNameKey(p[0]), ShortNameKey(p[1]); a != b {
			t.Errorf("ShortNameKey(%+q) = %+q, ShortNameKey(%+q) = %+q: want one key", p[0], a, p[1], b)
		}
	}
	apart := [][2]string{
		{"contoso", "contoso1"},
		{"C\u043entoso", "contoso"}, // refused by CheckShortName anyway
		{"Contoso", "Kontoso"},
	}
	for _, p := range apart {
		if ShortNameKey(p[0]) == ShortNameKey(p[1]) {
			t.Errorf("%+q and %+q share the key %+q", p[0], p[1], ShortNameKey(p[0]))
		}
	}
	for _, s := range []string{"Ｃontoso", "Straße", "\u337f", "ΣΊΣΥΦΟΣ", "\u1e9b\u0323"} {
		if k := ShortNameKey(s); ShortNameKey(k) != k {
			t.Errorf("ShortNameKey is not stable on %+q: %+q then %+q", s, k, ShortNameKey(k))
		}
	}
	if got := ShortNameKey("Ｃontoso"); got != "contoso" {
		t.Errorf("ShortNameKey(Ｃontoso) = %q, want contoso", got)
	}
}
