package console

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"
)

// Sizes of the DEMO data set: enough to make a sales demo look lived-in.
const (
	demoUsers     = 30
	demoEndpoints = 40
	demoServers   = 6
	demoEvents    = 2000
	demoWindow    = 30 * 24 * time.Hour
)

type demoUser struct {
	id, name, email, department string
	createdAt, lastLoginAt      int64
}

type demoEndpoint struct {
	id, hostname, os, osVersion, owner string
	lastSeenAt                         int64
}

type demoEvent struct {
	id, risk, endpoint, user, title string
	occurredAt                      int64
}

type demoData struct {
	users     []demoUser
	endpoints []demoEndpoint
	events    []demoEvent
}

var (
	firstNames  = []string{"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Hannah", "Isaac", "Julia", "Karl", "Laura", "Maya", "Nils", "Olivia", "Paul", "Quinn", "Rosa", "Samuel", "Tara", "Umar", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Lukas", "Sofia", "Jonas", "Mia"}
	lastNames   = []string{"Berg", "Carter", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova", "Jensen", "Kowalski", "Larsen", "Meyer", "Novak", "Okafor", "Peters", "Rossi", "Schmidt", "Tanaka", "Urban", "Varga", "Weber", "Young", "Zimmer", "Lindqvist", "Moreau"}
	departments = []string{"Finance", "Sales", "Engineering", "IT", "HR", "Marketing", "Operations", "Legal", "Support"}
	servers     = []string{"SRV-DC-01", "SRV-FILE-01", "SRV-SQL-01", "SRV-WEB-01", "SRV-WEB-02", "SRV-BACKUP-01"}
)

// riskLevels in the order the console shows them.
var riskLevels = []string{"high", "medium", "low", "info"}

// eventTitles per risk level.
var eventTitles = map[string][]string{
	"high":   {"Ransomware behaviour blocked", "Credential theft attempt blocked", "Malware quarantined", "Exploit attempt blocked"},
	"medium": {"Phishing link blocked", "Unsigned driver loaded", "Suspicious PowerShell command", "Potentially unwanted application removed", "Repeated failed sign-ins"},
	"low":    {"Login from new location", "USB storage device blocked", "Web page blocked by category", "Outdated browser detected", "Firewall rule changed"},
	"info":   {"Definitions updated", "Scheduled scan completed", "Policy applied", "Endpoint came online", "Agent updated"},
}

// demoRNG derives the generator from the customer id, so a customer's demo
// data is the same on every run and tests can rely on it.
func demoRNG(customerID string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(customerID))
	s := h.Sum64()
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}

// demoDomain makes the e-mail domain from the short name under the reserved
// .example top-level domain, so dummy addresses can never reach anyone.
func demoDomain(shortName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(shortName) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		b.WriteString("customer")
	}
	return b.String() + "-demo.example"
}

// generateDemo builds the DEMO data set ending at now.
func generateDemo(customerID, shortName string, now time.Time) demoData {
	rng := demoRNG(customerID)
	at := func(ago time.Duration) int64 { return now.Add(-ago).UnixMilli() }
	span := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo))) }
	domain := demoDomain(shortName)
	var d demoData

	// Unique names: walk a permutation of all first×last pairs.
	for i, k := range rng.Perm(len(firstNames) * len(lastNames))[:demoUsers] {
		first, last := firstNames[k%len(firstNames)], lastNames[k/len(firstNames)]
		d.users = append(d.users, demoUser{
			id:          fmt.Sprintf("demo-usr-%03d", i+1),
			name:        first + " " + last,
			email:       strings.ToLower(first+"."+last) + "@" + domain,
			department:  departments[rng.IntN(len(departments))],
			createdAt:   at(span(60*24*time.Hour, 720*24*time.Hour)),
			lastLoginAt: at(span(time.Minute, 72*time.Hour)),
		})
	}
	for i := range demoEndpoints {
		e := demoEndpoint{id: fmt.Sprintf("demo-ep-%03d", i+1)}
		switch {
		case i >= demoEndpoints-demoServers:
			e.hostname, e.os = servers[i-(demoEndpoints-demoServers)], "Ubuntu 22.04"
			e.osVersion = fmt.Sprintf("22.04.%d LTS", 3+rng.IntN(3))
			e.lastSeenAt = at(span(time.Second, 10*time.Minute))
		case rng.IntN(10) < 3:
			e.hostname, e.os = fmt.Sprintf("MBP-%s-%02d", strings.ToUpper(randomTag(rng, 4)), i+1), "macOS 14"
			e.osVersion = fmt.Sprintf("14.%d.%d", 3+rng.IntN(5), rng.IntN(2))
		default:
			prefix := [2]string{"LAPTOP-", "DESKTOP-"}[rng.IntN(2)]
			e.hostname, e.os = prefix+randomTag(rng, 7), "Windows 11"
			e.osVersion = fmt.Sprintf("23H2 (22631.%d)", 3000+rng.IntN(1500))
		}
		if e.os != "Ubuntu 22.04" {
			e.owner = d.users[i%demoUsers].email
			e.lastSeenAt = at(span(time.Minute, 48*time.Hour))
		}
		d.endpoints = append(d.endpoints, e)
	}
	for i := range demoEvents {
		ep := d.endpoints[rng.IntN(demoEndpoints)]
		risk := pickRisk(rng.IntN(1000))
		titles := eventTitles[risk]
		// A margin at both ends keeps every event inside the 30-day window
		// for a while after seeding, and none in the future.
		ago := span(time.Minute, demoWindow-time.Hour)
		d.events = append(d.events, demoEvent{
			id:         fmt.Sprintf("demo-evt-%04d", i+1),
			risk:       risk,
			endpoint:   ep.hostname,
			user:       ep.owner,
			title:      titles[rng.IntN(len(titles))],
			occurredAt: at(ago),
		})
	}
	return d
}

// pickRisk maps a number in [0, 1000) to the realistic mix: high is rare
// (2 %), medium 13 %, low 35 %, the rest informational.
func pickRisk(n int) string {
	switch {
	case n < 20:
		return "high"
	case n < 150:
		return "medium"
	case n < 500:
		return "low"
	}
	return "info"
}

// randomTag makes the random part of a host name the way Windows does.
func randomTag(rng *rand.Rand, n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}
