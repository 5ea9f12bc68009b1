package api_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/go-cmp/cmp"

	"partnerhub/internal/api"
	"partnerhub/internal/customer"
	"partnerhub/internal/hub"
)

func init() {
	// The document uses these formats; kin-openapi asserts date-time on its
	// own, and these two only when told how.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`))
	openapi3.DefineStringFormatValidator("uri", openapi3.NewCallbackValidator(func(s string) error {
		if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("%q is not an absolute URL", s)
		}
		return nil
	}))
}

// loadDoc reads the document the API embeds and checks that it is a valid
// OpenAPI 3.1 document (every $ref resolves, every schema is well-formed).
func loadDoc(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	data, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.json is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableSchemaPatternValidation()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// operations lists the document's operations as the route table writes
// its patterns: "POST /api/v1/customers".
func operations(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = op
		}
	}
	return ops
}

// TestOpenAPIDescribesEveryRoute: the document and the route table name the
// same operations, both ways, so that neither a new route nor a removed one
// goes unnoticed.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, _ := loadDoc(t)
	var documented []string
	for k := range operations(doc) {
		documented = append(documented, k)
	}
	routed := (&api.API{}).Patterns()
	slices.Sort(documented)
	slices.Sort(routed)
	if diff := cmp.Diff(routed, documented); diff != "" {
		t.Errorf("route table (-) and openapi.json (+) differ:\n%s", diff)
	}
}

// TestOpenAPIRules checks what every operation must document because of how
// the API is built rather than what one handler does: the token check answers
// 401 (with its challenge) before any handler, the cross-origin check 403 to
// any state-changing request, and the JSON body reader 400, 413 and 415.
func TestOpenAPIRules(t *testing.T) {
	doc, _ := loadDoc(t)
	for key, op := range operations(doc) {
		method, _, _ := strings.Cut(key, " ")
		public := op.Security != nil && len(*op.Security) == 0
		want := []string{"200"}
		if !public {
			want = append(want, "401", "500")
		}
		if method != "GET" {
			want = append(want, "403")
		}
		if op.RequestBody != nil {
			want = append(want, "400", "413", "415")
		}
		for _, code := range want {
			if code == "200" && (op.Responses.Status(200) != nil || op.Responses.Status(202) != nil) {
				continue
			}
			if op.Responses.Value(code) == nil {
				t.Errorf("%s does not document %s", key, code)
			}
		}
		if public && op.Responses.Value("401") != nil {
			t.Errorf("%s needs no token but documents 401", key)
		}
	}
	if sec := doc.Security; len(sec) != 1 || sec[0]["bearerAuth"] == nil {
		t.Errorf("the document's default security is %v, want bearerAuth", sec)
	}
}

// TestOpenAPIEnumsAreTheDomains: the enums of the document are the
// domain's lists, in the domain's order.
func TestOpenAPIEnumsAreTheDomains(t *testing.T) {
	doc, _ := loadDoc(t)
	var statuses, labels []string
	for _, s := range customer.Shown {
		statuses = append(statuses, string(s))
		labels = append(labels, s.Label())
	}
	var actions []string
	for _, a := range customer.Actions {
		actions = append(actions, string(a))
	}
	for schema, want := range map[string][]string{
		"CustomerStatus": statuses,
		"StatusLabel":    labels,
		"CustomerType":   {string(customer.TypeCustomer), string(customer.TypeDemo)},
		"Action":         actions,
		"AuditAction":    hub.AuditActions,
	} {
		ref := doc.Components.Schemas[schema]
		if ref == nil {
			t.Errorf("no schema %s", schema)
			continue
		}
		var got []string
		for _, v := range ref.Value.Enum {
			got = append(got, fmt.Sprint(v))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: domain (-) and openapi.json (+) differ:\n%s", schema, diff)
		}
	}
}
