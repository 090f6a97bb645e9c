package clients

import "github.com/schoolsms/sms/app/api"

// OpenAPIPaths describes the platform's school-management API (base domain).
func OpenAPIPaths() map[string]any {
	const tag = "clients (base domain)"
	domain := api.Obj("domain:string", "is_primary:boolean", "schema_name:string")
	tenant := api.Obj("schema_name:string", "name:string", "status:string", "created_at:string", "updated_at:string", "domains:array")
	return map[string]any{
		"/api/clients/tenants": api.Item("/api/clients/tenants", map[string]api.Op{
			"get": {Summary: "List schools", Tag: tag, Query: []string{"page", "page_size"}, Response: api.ListOf(tenant)},
			"post": {Summary: "Create a school, optionally with its first admin; country_code and timezone default to the platform settings default-country and default-timezone",
				Tag: tag, Status: 201, Response: tenant,
				Body: api.Obj("schema_name:string", "name:string", "domains:array?", "admin:object?", "country_code:string?", "timezone:string?")}}),
		"/api/clients/tenants/{schema}": api.Item("/api/clients/tenants/{schema}", map[string]api.Op{
			"get":    {Summary: "One school", Tag: tag, Response: tenant},
			"patch":  {Summary: "Rename, suspend or resume a school", Tag: tag, Body: api.Obj("name:string?", "status:string?"), Response: tenant},
			"delete": {Summary: "Delete a school (archives its file; ?purge=true removes it)", Tag: tag, Query: []string{"purge"}, Status: 204}}),
		"/api/clients/tenants/{schema}/domains": api.Item("/api/clients/tenants/{schema}/domains", map[string]api.Op{
			"get":  {Summary: "A school's domains", Tag: tag, Response: api.ListOf(domain)},
			"post": {Summary: "Add a domain to a school", Tag: tag, Status: 201, Body: api.Obj("domain:string", "is_primary:boolean?"), Response: tenant}}),
		"/api/clients/domains/{domain}": api.Item("/api/clients/domains/{domain}", map[string]api.Op{
			"delete": {Summary: "Remove a domain", Tag: tag, Response: tenant}}),
		"/api/clients/domains/{domain}/primary": api.Item("/api/clients/domains/{domain}/primary", map[string]api.Op{
			"post": {Summary: "Make a domain its school's primary one", Tag: tag, Response: tenant}}),
	}
}
