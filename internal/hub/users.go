package hub

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"partnerhub/internal/auth"
	"partnerhub/internal/store"
)

// Roles of partner users.
const (
	RoleAdmin      = "admin"
	RoleTechnician = "technician"
	RoleViewer     = "viewer"
)

// SessionTTL is how long a browser session lives at most (the absolute
// timeout), however busy it is; SessionIdle ends it sooner when unused.
const (
	SessionTTL  = 12 * time.Hour
	SessionIdle = 30 * time.Minute
)

// MinPassword is the shortest password a person may choose.
const MinPassword = 12

var (
	// ErrBadCredentials covers an unknown email and a wrong password alike.
	ErrBadCredentials = errors.New("the email or password is wrong")
	// ErrLocked refuses sign-ins for an account or from an address after
	// too many failures, for a while, without looking at the password.
	ErrLocked = errors.New("too many failed sign-ins; try again in a few minutes")
	// ErrWeakPassword refuses a new password that is too short or too long.
	ErrWeakPassword = errors.New("choose a password of 12 to 200 characters that differs from the current one and is not easy to guess")
	// ErrNoPassword means the account signs in only with the identity provider.
	ErrNoPassword = errors.New("this account signs in with the identity provider and has no password")
)

// InvalidError is input a person must correct; Msg says how.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrInvalid) hold for every InvalidError.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// ErrInvalid matches every *InvalidError.
var ErrInvalid = errors.New("invalid input")

// SignInLimits bound failed sign-ins: past Account failures for one email,
// or Addr failures from one client address, within Window, sign-ins stop
// for LockFor. Zero fields take the defaults.
type SignInLimits struct {
	Account int
	Addr    int
	Window  time.Duration
	LockFor time.Duration
}

func (s *Service) limits() SignInLimits {
	l := s.Limits
	if l.Account <= 0 {
		l.Account = 5
	}
	if l.Addr <= 0 {
		l.Addr = 20
	}
	if l.Window <= 0 {
		l.Window = 15 * time.Minute
	}
	if l.LockFor <= 0 {
		l.LockFor = 15 * time.Minute
	}
	return l
}

func (s *Service) sessionMax() time.Duration {
	if s.SessionMax > 0 {
		return s.SessionMax
	}
	return SessionTTL
}

func (s *Service) sessionIdle() time.Duration {
	if s.SessionIdle > 0 {
		return s.SessionIdle
	}
	return SessionIdle
}

// SessionLifetime is the absolute timeout, for the cookie's Max-Age.
func (s *Service) SessionLifetime() time.Duration { return s.sessionMax() }

// Bootstrap creates the first partner and its admin on an empty hub and
// returns the admin's one-time password; created is false when the hub has
// partners already.
func (s *Service) Bootstrap(ctx context.Context, partnerName, email string) (created bool, password string, err error) {
	n, err := s.Store.CountPartners(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	password, err = s.CreatePartner(ctx, partnerName, email)
	if errors.Is(err, store.ErrEmailTaken) {
		// Another replica starting at the same moment created it; the
		// partner and its admin are inserted together, so it is complete.
		return false, "", nil
	}
	return err == nil, password, err
}

// invitedBySetup marks a partner's first admin, made by the operator (the
// CLI or the first start), as opposed to people invited by an admin ("<id>")
// or who joined through an allowed tenant ("").
const invitedBySetup = "setup"

// CreatePartner creates a partner organisation with its first admin, who
// signs in with the returned one-time password.
func (s *Service) CreatePartner(ctx context.Context, name, adminEmail string) (string, error) {
	password, hash, err := auth.NewOneTimePassword()
	if err != nil {
		return "", err
	}
	pid := uuid.Must(uuid.NewV7()).String()
	email := normEmail(adminEmail)
	uid := uuid.Must(uuid.NewV7()).String()
	err = s.Store.CreatePartnerWithAdmin(ctx, store.Partner{ID: pid, Name: name}, store.User{
		ID: uid, PartnerID: pid, Email: email, Name: adminEmail,
		Role: RoleAdmin, PasswordHash: hash, InvitedBy: invitedBySetup, MustChangePassword: true,
	})
	if err == nil {
		s.audit(ctx, operator(pid), AuditPartnerCreate, email, name+"; first admin "+email, nil)
	}
	return password, err
}

func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// SignIn checks a local account's password and opens a session; it returns
// the session token for the cookie. Too many failures for the email or
// from addr lock sign-ins for a while; a locked sign-in is refused before
// the password is looked at, so guessing goes nowhere.
func (s *Service) SignIn(ctx context.Context, email, password, addr string) (_ Actor, _ string, err error) {
	email = normEmail(email)
	var u store.User
	defer func() {
		s.signedIn(SignInPassword, err)
		if err != nil && !errors.Is(err, ErrBadCredentials) && !errors.Is(err, ErrLocked) {
			return // the store failed: nothing to say about the person
		}
		s.record(ctx, store.AuditEntry{PartnerID: u.PartnerID, ActorID: u.ID, Actor: email, Addr: addr,
			Action: AuditSignIn, Detail: "password", Result: resultOf(err)})
	}()
	keys := failureKeys("account:"+email, addr)
	until, err := s.Store.SigninLock(ctx, keys, s.now())
	if err != nil {
		return Actor{}, "", err
	}
	u, err = s.Store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Actor{}, "", err
	}
	if !until.IsZero() {
		return Actor{}, "", ErrLocked
	}
	if u.ID == "" || u.PasswordHash == "" {
		auth.CheckPassword(dummyHash, password) // same work either way: no user enumeration by timing
		return Actor{}, "", s.failed(ctx, keys)
	}
	if !auth.CheckPassword(u.PasswordHash, password) {
		return Actor{}, "", s.failed(ctx, keys)
	}
	_ = s.Store.ClearSigninFailures(ctx, keys[0])
	return s.openSession(ctx, u, addr, u.MustChangePassword)
}

func failureKeys(account, addr string) []string {
	keys := []string{account}
	if addr != "" {
		keys = append(keys, "addr:"+addr)
	}
	return keys
}

// failed counts a failed sign-in against every key and returns the error
// the person sees: the same for a wrong password and an unknown email.
func (s *Service) failed(ctx context.Context, keys []string) error {
	l := s.limits()
	for _, k := range keys {
		limit := l.Account
		if strings.HasPrefix(k, "addr:") {
			limit = l.Addr
		}
		if _, err := s.Store.RecordSigninFailure(ctx, k, s.now(), l.Window, limit, l.LockFor); err != nil {
			return err
		}
	}
	return ErrBadCredentials
}

var dummyHash, _ = auth.HashPassword("not a password")

// openSession starts a new session (a fresh token at every sign-in, so a
// token planted before sign-in is never promoted) and records the sign-in.
// mustChange holds the session to the password change: it was opened with
// a one-time password.
func (s *Service) openSession(ctx context.Context, u store.User, addr string, mustChange bool) (Actor, string, error) {
	token, hash := auth.NewToken("ses_")
	now := s.now()
	if err := s.Store.CreateSession(ctx, hash, u.ID, now.Add(s.sessionMax()), mustChange); err != nil {
		return Actor{}, "", err
	}
	if err := s.Store.MarkSignedIn(ctx, u.ID, now); err != nil {
		return Actor{}, "", err
	}
	a := actorOf(u)
	a.Addr, a.MustChangePassword = addr, mustChange
	return a, token, nil
}

// actorOf is the actor of a user; MustChangePassword is left to the
// session (an API token, made on purpose for automation, is never held).
func actorOf(u store.User) Actor {
	return Actor{UserID: u.ID, PartnerID: u.PartnerID, Email: u.Email, Role: u.Role}
}

// SessionActor returns the actor of a browser session token: a session
// past its absolute timeout or unused for the idle timeout is not found.
// The role is read from the user at every request, so a role change or a
// removal takes effect at once.
func (s *Service) SessionActor(ctx context.Context, token string) (Actor, error) {
	u, err := s.Store.SessionUser(ctx, auth.HashToken(token), s.now(), s.sessionIdle())
	if err != nil {
		return Actor{}, err
	}
	a := actorOf(u)
	a.MustChangePassword = u.MustChangePassword // the session's flag
	return a, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, token, addr string) error {
	h := auth.HashToken(token)
	u, err := s.Store.SessionUser(ctx, h, s.now(), 0)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := s.Store.DeleteSession(ctx, h); err != nil {
		return err
	}
	if u.ID != "" {
		a := actorOf(u)
		a.Addr = addr
		s.audit(ctx, a, AuditSignOut, "", "", nil)
	}
	return nil
}

// SignOutEverywhere ends every session of the actor, this one included.
func (s *Service) SignOutEverywhere(ctx context.Context, a Actor) error {
	n, err := s.Store.DeleteUserSessions(ctx, a.UserID, "")
	s.audit(ctx, a, AuditSignOutAll, a.Email, plural(n, "session"), err)
	return err
}

// ChangePassword replaces the actor's password after checking the current
// one (wrong guesses count as failed sign-ins) and ends the actor's other
// sessions, keeping the one whose token is keep.
func (s *Service) ChangePassword(ctx context.Context, a Actor, current, next, keep string) (err error) {
	defer func() { s.audit(ctx, a, AuditPasswordChange, a.Email, "", err) }()
	u, err := s.Store.UserByID(ctx, a.PartnerID, a.UserID)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return ErrNoPassword
	}
	keys := failureKeys("account:"+u.Email, a.Addr)
	if until, err := s.Store.SigninLock(ctx, keys, s.now()); err != nil {
		return err
	} else if !until.IsZero() {
		return ErrLocked
	}
	if !auth.CheckPassword(u.PasswordHash, current) {
		return s.failed(ctx, keys)
	}
	if err := checkNewPassword(current, next, u.Email); err != nil {
		return err
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	if err := s.Store.SetUserPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	keepHash := ""
	if keep != "" {
		keepHash = auth.HashToken(keep)
	}
	_, err = s.Store.DeleteUserSessions(ctx, u.ID, keepHash)
	return err
}

// checkNewPassword refuses a password that is too short or too long, the
// current one again, or easy to guess: a few characters repeated, the
// person's own email (or the part before the @), a run along the keyboard
// or the alphabet or the digits, or a common word with digits and symbols
// around it ("Password123456!", "partnerhub2026"). Length matters most
// (NIST SP 800-63B); these catch the obvious rest.
func checkNewPassword(current, next, email string) error {
	n := utf8.RuneCountInString(next)
	if n < MinPassword || n > 200 || next == current {
		return ErrWeakPassword
	}
	lower := strings.ToLower(next)
	distinct := map[rune]bool{}
	var letters strings.Builder
	for _, r := range lower {
		distinct[r] = true
		if unicode.IsLetter(r) {
			letters.WriteRune(r)
		}
	}
	local, _, _ := strings.Cut(normEmail(email), "@")
	switch {
	case len(distinct) < 5:
		return ErrWeakPassword
	case email != "" && (strings.Contains(lower, normEmail(email)) || len(local) >= 4 && strings.Contains(lower, local)):
		return ErrWeakPassword
	case isRun(lower) || isRun(letters.String()) || commonWords[letters.String()]:
		return ErrWeakPassword
	}
	return nil
}

// runs are the sequences people type as passwords: keyboard rows, the
// alphabet, the digits, forwards and backwards.
var runs = []string{
	"qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "abcdefghijklmnopqrstuvwxyz", "12345678901234567890",
	"mnbvcxzlkjhgfdsapoiuytrewq", "zyxwvutsrqponmlkjihgfedcba", "09876543210987654321",
}

// isRun reports whether s (of at least 4 characters) lies along a run,
// possibly wrapping round it ("qwertyuiopasdf", "123456789012").
func isRun(s string) bool {
	if len(s) < 4 {
		return false
	}
	for _, r := range runs {
		if strings.Contains(strings.Repeat(r, 1+len(s)/len(r)+1), s) {
			return true
		}
	}
	return false
}

// commonWords are the letters of the most used passwords, which people
// pad with digits and symbols to reach a length rule, and this product's name.
var commonWords = map[string]bool{
	"password": true, "passwordpassword": true, "pssword": true, "passw": true, "pass": true,
	"admin": true, "administrator": true, "welcome": true, "letmein": true, "changeme": true,
	"iloveyou": true, "monkey": true, "dragon": true, "football": true, "baseball": true,
	"sunshine": true, "princess": true, "trustno": true, "master": true, "secret": true,
	"login": true, "qwerty": true, "abc": true, "test": true, "guest": true, "root": true,
	"partnerhub": true, "partner": true, "security": true,
}

// TokenActor returns the actor of an API bearer token, with the lower of
// the user's role and the token's own.
// A lookup is trusted for TokenCacheTTL.
func (s *Service) TokenActor(ctx context.Context, token string) (Actor, error) {
	hash, now := auth.HashToken(token), s.now()
	if a, ok := s.tokens.get(hash, now); ok {
		return a, nil
	}
	u, role, err := s.Store.TokenUser(ctx, hash)
	if err != nil {
		return Actor{}, err
	}
	a := actorOf(u)
	a.Role = lowerRole(a.Role, role)
	s.tokens.put(hash, a, now)
	return a, nil
}

// operator is the actor of the operator's commands (the CLI), as the
// partner's audit log names it.
func operator(partnerID string) Actor { return Actor{PartnerID: partnerID, Email: "operator"} }

// userForOperator finds the user an operator's command names by email.
func (s *Service) userForOperator(ctx context.Context, email string) (store.User, error) {
	u, err := s.Store.UserByEmail(ctx, normEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		return u, errors.New("no user with the email " + email)
	}
	return u, err
}

// CreateAPIToken makes a named API token for the user with that email and
// returns it; it is shown once and kept only as a hash. It is the
// operator's way (the CLI), for automation.
func (s *Service) CreateAPIToken(ctx context.Context, email, name string) (string, error) {
	return s.IssueAPIToken(ctx, email, name, "")
}

// IssueAPIToken is CreateAPIToken with a role the token is narrowed to
// ("" for the user's own); a token never gets more than its user has.
func (s *Service) IssueAPIToken(ctx context.Context, email, name, role string) (string, error) {
	u, err := s.userForOperator(ctx, email)
	if err != nil {
		return "", err
	}
	return s.createToken(ctx, operator(u.PartnerID), u, name, role)
}

func (s *Service) createToken(ctx context.Context, by Actor, u store.User, name, role string) (_ string, err error) {
	name = strings.TrimSpace(name)
	defer func() {
		s.audit(ctx, by, AuditTokenCreate, u.Email, "“"+name+"” as "+RoleLabel(lowerRole(u.Role, role)), err)
	}()
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", &InvalidError{"Give the token a name of 1 to 100 characters."}
	}
	if role != "" && !ValidRole(role) {
		return "", &InvalidError{"The role must be admin, technician or viewer."}
	}
	if role != "" && roleRank[role] > roleRank[u.Role] {
		return "", &InvalidError{"A token cannot have more rights than its user (" + RoleLabel(u.Role) + ")."}
	}
	token, hash := auth.NewToken("phk_")
	err = s.Store.CreateAPIToken(ctx, store.APIToken{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: name, TokenHash: hash, Role: role})
	return token, err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
