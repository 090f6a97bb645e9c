package auth

import "github.com/schoolsms/sms/app/api"

var userSchema = api.Obj("id:integer", "email:string", "name:string", "role:string", "is_active:boolean",
	"created_at:string", "updated_at:string", "last_login_at:string?")

// OpenAPIPaths describes the sign-in, token, user and audit endpoints (both realms).
func OpenAPIPaths() map[string]any {
	const tag = "auth"
	login := api.Obj("email:string", "password:string")
	me := api.Obj("id:integer", "email:string", "name:string", "role:string", "realm:string", "school:string?", "csrf_token:string?")
	token := api.Obj("id:integer", "name:string", "prefix:string", "created_at:string", "expires_at:string",
		"last_used_at:string?", "revoked_at:string?")
	audit := api.Obj("id:integer", "at:string", "actor_id:integer?", "actor_email:string", "action:string",
		"target:string", "detail:object", "ip:string", "request_id:string")
	return map[string]any{
		"/api/auth/login": api.Item("/api/auth/login", map[string]api.Op{
			"post": {Summary: "Sign in with email and password; sets the session cookie (school host or base domain)", Tag: tag,
				Body: login, Response: api.Obj("user:object", "csrf_token:string")}}),
		"/api/auth/logout": api.Item("/api/auth/logout", map[string]api.Op{
			"post": {Summary: "End the browser session", Tag: tag}}),
		"/api/auth/me": api.Item("/api/auth/me", map[string]api.Op{
			"get": {Summary: "The signed-in account", Tag: tag, Response: me}}),
		"/api/auth/token": api.Item("/api/auth/token", map[string]api.Op{
			"post": {Summary: "Issue an API token for Authorization: Bearer", Tag: tag, Status: 201,
				Body:     api.Obj("email:string", "password:string", "name:string?"),
				Response: api.Obj("token:string", "expires_at:string", "id:integer", "name:string")}}),
		"/api/auth/tokens": api.Item("/api/auth/tokens", map[string]api.Op{
			"get": {Summary: "Your API tokens (hashes are never shown)", Tag: tag, Query: []string{"page", "page_size"}, Response: api.ListOf(token)}}),
		"/api/auth/tokens/{id}": api.Item("/api/auth/tokens/{id}", map[string]api.Op{
			"delete": {Summary: "Revoke a token", Tag: tag, Status: 204}}),
		"/api/audit": api.Item("/api/audit", map[string]api.Op{
			"get": {Summary: "The audit log of this school (or of the platform on the base domain), newest first", Tag: tag,
				Query: []string{"page", "page_size"}, Response: api.ListOf(audit)}}),
		"/api/auth/users": api.Item("/api/auth/users", map[string]api.Op{
			"get": {Summary: "School accounts (school admins)", Tag: tag, Query: []string{"page", "page_size"}, Response: api.ListOf(userSchema)},
			"post": {Summary: "Create a school account", Tag: tag, Status: 201, Response: userSchema,
				Body: api.Obj("email:string", "name:string?", "role:string", "password:string")}}),
		"/api/auth/users/{id}": api.Item("/api/auth/users/{id}", map[string]api.Op{
			"get":    {Summary: "One school account", Tag: tag, Response: userSchema},
			"patch":  {Summary: "Change name, role or active state", Tag: tag, Body: api.Obj("name:string?", "role:string?", "is_active:boolean?"), Response: userSchema},
			"delete": {Summary: "Deactivate an account (its sessions and tokens end at once)", Tag: tag, Response: userSchema}}),
		"/api/auth/users/{id}/password": api.Item("/api/auth/users/{id}/password", map[string]api.Op{
			"post": {Summary: "Set a new password (ends the account's sessions and tokens)", Tag: tag, Status: 204, Body: api.Obj("password:string")}}),
	}
}
