// Package auth owns who may do what: platform admins and school staff, their passwords,
// sessions and API tokens, the login backoff, CSRF checks, the audit log, and the one
// policy table every handler's rights come from.
package auth

import (
	"fmt"
	"maps"
	"slices"
	"sync"
)

// Realm is where an account lives: the platform (catalog) or one school (its file).
type Realm string

const (
	RealmPlatform Realm = "platform"
	RealmSchool   Realm = "school"
)

// Role is what an account is allowed to be.
type Role string

const (
	RoleAdmin         Role = "admin"   // a school's administrator: everything in the school
	RoleTeacher       Role = "teacher" // own classes and subjects
	RoleClerk         Role = "clerk"   // students, admissions, guardians
	RoleViewer        Role = "viewer"  // read only
	RolePlatformAdmin Role = "platform_admin"
)

// SchoolRoles are the roles a school user may have, in order of power.
var SchoolRoles = []Role{RoleAdmin, RoleTeacher, RoleClerk, RoleViewer}

// ValidSchoolRole reports whether r is a school role.
func ValidSchoolRole(r Role) bool {
	for _, x := range SchoolRoles {
		if r == x {
			return true
		}
	}
	return false
}

// Action is something a request wants to do; handlers ask for actions, never for roles.
// The actions here are the platform's and the shell's; each module declares its own and
// grants them with its Policy (see package module).
type Action string

const (
	ManageSchools Action = "clients.manage" // create, edit, suspend, delete schools (platform)
	ManageUsers   Action = "users.manage"   // a school's staff accounts
	ReadAudit     Action = "audit.read"     // the realm's audit log
	UseSchool     Action = "school.use"     // see the school's dashboard and own account
	UsePlatform   Action = "platform.use"   // see the platform pages
	ManageTokens  Action = "tokens.manage"  // one's own API tokens
)

// Policy is a table of rights: for each action, the roles allowed it. An action in no
// table is allowed to nobody.
type Policy map[Action][]Role

// fixed is the table of the actions above.
var fixed = Policy{
	ManageSchools: {RolePlatformAdmin},
	UsePlatform:   {RolePlatformAdmin},
	ManageUsers:   {RoleAdmin},
	ReadAudit:     {RoleAdmin, RolePlatformAdmin},
	UseSchool:     {RoleAdmin, RoleTeacher, RoleClerk, RoleViewer},
	ManageTokens:  {RoleAdmin, RoleTeacher, RoleClerk, RoleViewer, RolePlatformAdmin},
}

var (
	policyMu sync.RWMutex
	policy   = maps.Clone(fixed)
)

// Grant adds a module's actions to the table Allowed consults. Granting an action again
// with the same roles changes nothing; with other roles it is a defect of the module list
// (two modules claiming one action, or a fixed action redefined) and panics at start-up.
func Grant(p Policy) {
	policyMu.Lock()
	defer policyMu.Unlock()
	for a, roles := range p {
		if have, ok := policy[a]; ok {
			if !slices.Equal(have, roles) {
				panic(fmt.Sprintf("auth: action %q is granted to %v already, not %v", a, have, roles))
			}
			continue
		}
		policy[a] = slices.Clone(roles)
	}
}

// Allowed reports whether the principal may do the action.
func Allowed(p *Principal, a Action) bool {
	if p == nil {
		return false
	}
	policyMu.RLock()
	defer policyMu.RUnlock()
	return slices.Contains(policy[a], p.Role)
}

// Principal is the authenticated account behind a request.
type Principal struct {
	Realm  Realm
	Schema string // the school, for RealmSchool
	UserID int64
	Email  string
	Name   string
	Role   Role
	// Via is how the request authenticated: "session" (cookie) or "token" (bearer).
	Via       string
	SessionID string
	TokenID   int64
	CSRFToken string
}
