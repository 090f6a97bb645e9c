// Package auth owns who may do what: platform admins and school staff, their passwords,
// sessions and API tokens, the login backoff, CSRF checks, the audit log, and the one
// policy table every handler's rights come from.
package auth

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
type Action string

const (
	ManageSchools Action = "clients.manage" // create, edit, suspend, delete schools (platform)
	ManageUsers   Action = "users.manage"   // a school's staff accounts
	ReadAudit     Action = "audit.read"     // the realm's audit log
	UseSchool     Action = "school.use"     // see the school's dashboard and own account
	UsePlatform   Action = "platform.use"   // see the platform pages
	ManageTokens  Action = "tokens.manage"  // one's own API tokens

	ReadAcademics  Action = "academics.read"  // sessions, terms, forms, classes, subjects, assignments
	WriteAcademics Action = "academics.write" // change the academic structure
	// ReadStudents lets teachers in too; the core service narrows them to the students of
	// the classes they teach or lead.
	ReadStudents  Action = "students.read"
	WriteStudents Action = "students.write" // students, guardians, admissions, enrollments, import
	// ManageStudentRules is school-wide: promotion at session end, the admission number pattern.
	ManageStudentRules Action = "students.rules"

	ManageChatbot  Action = "chatbot.manage"    // WhatsApp settings, queue status, dead letters
	UseInbox       Action = "chatbot.inbox"     // read and answer the bot's conversations, the simulator
	SendBroadcasts Action = "chatbot.broadcast" // send notices to guardians over WhatsApp
)

// policy is the one table of rights: for each action, the roles allowed it. An action
// not listed here is allowed to nobody.
var policy = map[Action][]Role{
	ManageSchools: {RolePlatformAdmin},
	UsePlatform:   {RolePlatformAdmin},
	ManageUsers:   {RoleAdmin},
	ReadAudit:     {RoleAdmin, RolePlatformAdmin},
	UseSchool:     {RoleAdmin, RoleTeacher, RoleClerk, RoleViewer},
	ManageTokens:  {RoleAdmin, RoleTeacher, RoleClerk, RoleViewer, RolePlatformAdmin},

	ReadAcademics:  {RoleAdmin, RoleTeacher, RoleClerk, RoleViewer},
	WriteAcademics: {RoleAdmin},
	ReadStudents:   {RoleAdmin, RoleTeacher, RoleClerk, RoleViewer},
	WriteStudents:  {RoleAdmin, RoleClerk},

	ManageStudentRules: {RoleAdmin},

	ManageChatbot:  {RoleAdmin},
	UseInbox:       {RoleAdmin, RoleClerk},
	SendBroadcasts: {RoleAdmin, RoleClerk},
}

// Allowed reports whether the principal may do the action.
func Allowed(p *Principal, a Action) bool {
	if p == nil {
		return false
	}
	for _, r := range policy[a] {
		if p.Role == r {
			return true
		}
	}
	return false
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
