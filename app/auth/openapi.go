package auth

import "github.com/schoolsms/sms/app/api"

// OpenAPI describes the sign-in, token, user and audit endpoints (both realms).
func OpenAPI(d *api.Doc) {
	const tag = "auth"
	list := []string{"page", "page_size"}
	d.Add("/api/auth/login", map[string]api.Op{
		"post": {Summary: "Sign in with email and password; sets the session cookie (school host or base domain)", Tag: tag,
			Body: LoginInput{}, Response: LoginResult{}}})
	d.Add("/api/auth/logout", map[string]api.Op{
		"post": {Summary: "End the browser session", Tag: tag, Response: SignedOut{}}})
	d.Add("/api/auth/me", map[string]api.Op{
		"get": {Summary: "The signed-in account", Tag: tag, Response: Me{}}})
	d.Add("/api/auth/token", map[string]api.Op{
		"post": {Summary: "Issue an API token for Authorization: Bearer", Tag: tag, Status: 201, Body: LoginInput{}, Response: IssuedToken{}}})
	d.Add("/api/auth/tokens", map[string]api.Op{
		"get": {Summary: "Your API tokens (hashes are never shown), newest first", Tag: tag, Query: list, Response: api.List[Token]{}}})
	d.Add("/api/auth/tokens/{id}", map[string]api.Op{
		"delete": {Summary: "Revoke a token", Tag: tag, Status: 204}})
	d.Add("/api/audit", map[string]api.Op{
		"get": {Summary: "The audit log of this school (or of the platform on the base domain), newest first", Tag: tag,
			Query: list, Response: api.List[AuditEntry]{}}})
	d.Add("/api/auth/users", map[string]api.Op{
		"get":  {Summary: "School accounts (school admins), by email", Tag: tag, Query: list, Response: api.List[User]{}},
		"post": {Summary: "Create a school account", Tag: tag, Status: 201, Body: NewUser{}, Response: User{}}})
	d.Add("/api/auth/users/{id}", map[string]api.Op{
		"get":    {Summary: "One school account", Tag: tag, Response: User{}},
		"patch":  {Summary: "Change name, role or active state", Tag: tag, Body: UserPatch{}, Response: User{}},
		"delete": {Summary: "Deactivate an account (its sessions and tokens end at once)", Tag: tag, Response: User{}}})
	d.Add("/api/auth/users/{id}/password", map[string]api.Op{
		"post": {Summary: "Set a new password (ends the account's sessions and tokens)", Tag: tag, Status: 204, Body: PasswordInput{}}})
}
