package hub

import "errors"

// Permission is something a role may do.
type Permission string

const (
	// PermView: see customers, their timelines and statuses.
	PermView Permission = "view"
	// PermOperate: add customers, run actions, visit consoles, delete.
	PermOperate Permission = "operate"
	// PermAdmin: users, API tokens, settings, the audit log.
	PermAdmin Permission = "admin"
)

var rolePermissions = map[string][]Permission{
	RoleAdmin:      {PermView, PermOperate, PermAdmin},
	RoleTechnician: {PermView, PermOperate},
	RoleViewer:     {PermView},
}

// Can reports whether the actor's role grants p. The UI uses it to hide
// what a role cannot do; the service checks it again, so hiding is never
// the only guard.
func (a Actor) Can(p Permission) bool {
	for _, have := range rolePermissions[a.Role] {
		if have == p {
			return true
		}
	}
	return false
}

// ValidRole reports whether r is one of the three roles.
func ValidRole(r string) bool { _, ok := rolePermissions[r]; return ok }

// ErrForbidden refuses what the actor's role does not allow. The API
// answers it with 403, the UI with a 403 page; the audit log records it as
// "denied".
var ErrForbidden = errors.New("your role does not allow this")

// require returns ErrForbidden unless the actor's role grants p.
func require(a Actor, p Permission) error {
	if !a.Can(p) {
		return ErrForbidden
	}
	return nil
}

// roleRank orders the roles, so that a token can be narrowed below its
// user's role and never above it.
var roleRank = map[string]int{RoleViewer: 1, RoleTechnician: 2, RoleAdmin: 3}

// lowerRole returns the lower of two roles; "" leaves the other.
func lowerRole(a, b string) string {
	if b == "" || roleRank[a] <= roleRank[b] {
		return a
	}
	return b
}

// Roles are the roles in the order the pages list them.
var Roles = []string{RoleAdmin, RoleTechnician, RoleViewer}

// RoleLabel is a role as people read it.
func RoleLabel(r string) string {
	switch r {
	case RoleAdmin:
		return "Admin"
	case RoleTechnician:
		return "Technician"
	case RoleViewer:
		return "Viewer"
	}
	return r
}
