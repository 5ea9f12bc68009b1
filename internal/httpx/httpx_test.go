package httpx

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// body is the shape of the API's request bodies: strings, a nested object,
// numbers, a flag, lists and a time.
type body struct {
	Type        string `json:"type"`
	CompanyName string `json:"companyName"`
	Contact     *struct {
		Name string `json:"name"`
	} `json:"contact"`
	Days  int        `json:"days"`
	Ratio float64    `json:"ratio"`
	Flag  *bool      `json:"flag"`
	Tags  []string   `json:"tags"`
	When  time.Time  `json:"when"`
	Addr  netip.Addr `json:"addr"`
	Items []struct {
		Name string `json:"name"`
	} `json:"items"`
}

// TestReadJSON: every way a body can be wrong gets a status and a detail in
// JSON's words, naming the field when there is one.
func TestReadJSON(t *testing.T) {
	tooBig := `{"companyName":"` + strings.Repeat("a", 1<<20) + `"}`
	cases := []struct {
		name        string
		contentType string
		in          string
		status      int               // 0: accepted
		detail      string            // the problem's detail, exactly
		errors      map[string]string // the problem's per-field errors
	}{
		{name: "valid", in: `{"companyName":"Contoso","contact":{"name":"Ada"},"days":3,"flag":true,"tags":["a"],"items":[{"name":"a"},{"name":"b"}]}`},
		{name: "valid non-ASCII", in: `{"companyName":"Müller & Söhne 株式会社 🛡️"}`},
		{name: "same key in sibling objects", in: `{"contact":{"name":"a"},"items":[{"name":"a"},{"name":"b"}]}`},
		{name: "content type with charset", contentType: "application/json; charset=utf-8", in: `{}`},

		{name: "invalid UTF-8 in a string", in: "{\"companyName\":\"Cont\xffoso\"}", status: 400, detail: "the body must be valid UTF-8"},
		{name: "invalid UTF-8 in a key", in: "{\"company\xc3Name\":\"Contoso\"}", status: 400, detail: "the body must be valid UTF-8"},
		{name: "truncated UTF-8 sequence", in: "{\"companyName\":\"Contoso\xe2\x82\"}", status: 400, detail: "the body must be valid UTF-8"},
		{name: "UTF-16 surrogate bytes", in: "{\"companyName\":\"\xed\xa0\x80\"}", status: 400, detail: "the body must be valid UTF-8"},

		{name: "array body", in: `[{"companyName":"Contoso"}]`, status: 400, detail: "the body must be a JSON object"},
		{name: "string body", in: `"Contoso"`, status: 400, detail: "the body must be a JSON object"},
		{name: "number body", in: `42`, status: 400, detail: "the body must be a JSON object"},
		{name: "null body", in: `null`, status: 400, detail: "the body must be a JSON object"},

		{name: "number for a string", in: `{"companyName":42}`, status: 400,
			detail: `field "companyName" must be a string`, errors: map[string]string{"companyName": "must be a string"}},
		{name: "object for a string", in: `{"companyName":{"x":1}}`, status: 400,
			detail: `field "companyName" must be a string`, errors: map[string]string{"companyName": "must be a string"}},
		{name: "string for a number", in: `{"days":"5"}`, status: 400,
			detail: `field "days" must be a number`, errors: map[string]string{"days": "must be a number"}},
		{name: "fraction for a whole number", in: `{"days":1.5}`, status: 400,
			detail: `field "days" must be a whole number`, errors: map[string]string{"days": "must be a whole number"}},
		{name: "string for a float", in: `{"ratio":"0.5"}`, status: 400,
			detail: `field "ratio" must be a number`, errors: map[string]string{"ratio": "must be a number"}},
		{name: "string for an object", in: `{"contact":"Ada"}`, status: 400,
			detail: `field "contact" must be an object`, errors: map[string]string{"contact": "must be an object"}},
		{name: "array for an object", in: `{"contact":["Ada"]}`, status: 400,
			detail: `field "contact" must be an object`, errors: map[string]string{"contact": "must be an object"}},
		{name: "object for an array", in: `{"tags":{"a":1}}`, status: 400,
			detail: `field "tags" must be an array`, errors: map[string]string{"tags": "must be an array"}},
		{name: "string for a boolean", in: `{"flag":"yes"}`, status: 400,
			detail: `field "flag" must be true or false`, errors: map[string]string{"flag": "must be true or false"}},
		{name: "number for a text value", in: `{"addr":1}`, status: 400,
			detail: `field "addr" must be a string`, errors: map[string]string{"addr": "must be a string"}},
		{name: "nested wrong type", in: `{"contact":{"name":true}}`, status: 400,
			detail: `field "contact.name" must be a string`, errors: map[string]string{"contact.name": "must be a string"}},

		{name: "duplicate key", in: `{"companyName":"Contoso","companyName":"Fabrikam"}`, status: 400,
			detail: `the field "companyName" appears twice`},
		{name: "duplicate key in another case", in: `{"companyName":"Contoso","CompanyName":"Fabrikam"}`, status: 400,
			detail: `the field "CompanyName" appears twice`},
		{name: "duplicate key escaped", in: `{"companyName":"Contoso","company\u004eame":"Fabrikam"}`, status: 400,
			detail: `the field "companyName" appears twice`},
		{name: "duplicate key after a nested object", in: `{"contact":{"name":"Ada"},"days":1,"contact":{"name":"Eve"}}`, status: 400,
			detail: `the field "contact" appears twice`},
		{name: "duplicate nested key", in: `{"companyName":"Contoso","contact":{"name":"Ada","name":"Eve"}}`, status: 400,
			detail: `the field "contact.name" appears twice`},
		{name: "duplicate key in an array's object", in: `{"items":[{"name":"a"},{"name":"b","name":"c"}]}`, status: 400,
			detail: `the field "items[1].name" appears twice`},

		{name: "unknown field", in: `{"companyName":"Contoso","nickname":"C"}`, status: 400, detail: `the body has an unknown field "nickname"`},
		{name: "trailing object", in: `{"companyName":"Contoso"}{"companyName":"Fabrikam"}`, status: 400, detail: "the body must be a single JSON object"},
		{name: "trailing object with a duplicate", in: `{} {"a":1,"a":2}`, status: 400, detail: "the body must be a single JSON object"},
		{name: "trailing garbage", in: `{"companyName":"Contoso"} x`, status: 400, detail: "the body must be a single JSON object"},
		{name: "empty body", in: ``, status: 400, detail: "the body is empty; send a JSON object"},
		{name: "blank body", in: " \n\t", status: 400, detail: "the body is empty; send a JSON object"},
		{name: "truncated", in: `{"companyName":`, status: 400, detail: "the body is not valid JSON"},
		{name: "not JSON", in: `{companyName: "Contoso"}`, status: 400, detail: "the body is not valid JSON"},
		{name: "1 MiB body", in: tooBig, status: 413, detail: "the body must be at most 65536 bytes"},
		{name: "form body", contentType: "application/x-www-form-urlencoded", in: `companyName=Contoso`, status: 415, detail: "send the body as application/json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/customers", strings.NewReader(tc.in))
			r.Header.Set("Content-Type", "application/json")
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			var v body
			raw, p := ReadJSON(httptest.NewRecorder(), r, &v)
			if tc.status == 0 {
				if p != nil {
					t.Fatalf("want accepted, got %d %q", p.Status, p.Detail)
				}
				if string(raw) != tc.in {
					t.Fatalf("raw body %q, want %q", raw, tc.in)
				}
				return
			}
			if p == nil {
				t.Fatalf("want %d %q, got accepted as %+v", tc.status, tc.detail, v)
			}
			if p.Status != tc.status || p.Detail != tc.detail {
				t.Fatalf("got %d %q, want %d %q", p.Status, p.Detail, tc.status, tc.detail)
			}
			if !maps.Equal(p.Errors, tc.errors) {
				t.Fatalf("errors %v, want %v", p.Errors, tc.errors)
			}
		})
	}
}

// TestReadJSONDecodes: an accepted body arrives whole.
func TestReadJSONDecodes(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"companyName":"Müller","contact":{"name":"Ada"},"days":3,"flag":false,"when":"2026-01-02T03:04:05Z"}`))
	var v body
	if _, p := ReadJSON(httptest.NewRecorder(), r, &v); p != nil {
		t.Fatal(p.Detail)
	}
	if v.CompanyName != "Müller" || v.Contact == nil || v.Contact.Name != "Ada" || v.Days != 3 || v.Flag == nil || *v.Flag ||
		!v.When.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("decoded %+v", v)
	}
}
