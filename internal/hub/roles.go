package hub

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
