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
