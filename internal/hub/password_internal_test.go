package hub

import (
	"errors"
	"testing"
)

func TestCheckNewPassword(t *testing.T) {
	const email = "Pat.Admin@Partner.example"
	for _, tc := range []struct {
		next string
		ok   bool
	}{
		{"correct horse battery staple", true},
		{"abcd-efgh-jkmn-pqrs", true},
		{"short", false},
		{"the current one!", false}, // equals current below
		{"aaaaaaaaaaaa", false},
		{"abababababababab", false},
		{"abcabcabcabc", false},
		{"pat.admin@partner.example", false},
		{"my PAT.ADMIN password", false},
		{"Password1234", false},
		{"QWERTY123456", false},
		{"partnerhub2026", false},
		{"qwertyuiopasdf", false},
		{"qwertyuiop1234", false},
		{"password123456", false},
		{"Password!2025#", false},
		{"partnerhub2025", false},
		{"123456789012", false},
		{"987654321098", false},
		{"abcdefghijklm", false},
		{"1qaz2wsx3edc4r", false},
		{"Password for my bank!", true},
		{"839201746512", true},
		{"Tr0ub4dor&3xyz", true},
		{string(make([]rune, 201)), false},
	} {
		err := checkNewPassword("the current one!", tc.next, email)
		if ok := err == nil; ok != tc.ok || !ok && !errors.Is(err, ErrWeakPassword) {
			t.Errorf("%q: %v, want ok=%v", tc.next, err, tc.ok)
		}
	}
}
