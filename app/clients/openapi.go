package clients

import "github.com/schoolsms/sms/app/api"

// OpenAPI describes the platform's school-management API (base domain).
func OpenAPI(d *api.Doc) {
	const tag = "clients (base domain)"
	d.Add("/api/clients/tenants", map[string]api.Op{
		"get": {Summary: "List schools, by schema name", Tag: tag, Query: []string{"page", "page_size"}, Response: api.List[Tenant]{}},
		"post": {Summary: "Create a school, optionally with its first admin; country_code and timezone default to the platform settings default-country and default-timezone", Tag: tag, Status: 201, Body: CreateRequest{},
			Response: Tenant{}}})
	d.Add("/api/clients/tenants/{schema}", map[string]api.Op{
		"get":    {Summary: "One school", Tag: tag, Response: Tenant{}},
		"patch":  {Summary: "Rename, suspend or resume a school", Tag: tag, Body: UpdateRequest{}, Response: Tenant{}},
		"delete": {Summary: "Delete a school (archives its file; ?purge=true removes it)", Tag: tag, Query: []string{"purge"}, Status: 204}})
	d.Add("/api/clients/tenants/{schema}/domains", map[string]api.Op{
		"get":  {Summary: "A school's domains", Tag: tag, Response: api.List[Domain]{}},
		"post": {Summary: "Add a domain to a school", Tag: tag, Status: 201, Body: DomainInput{}, Response: Tenant{}}})
	d.Add("/api/clients/domains/{domain}", map[string]api.Op{
		"delete": {Summary: "Remove a domain", Tag: tag, Response: Tenant{}}})
	d.Add("/api/clients/domains/{domain}/primary", map[string]api.Op{
		"post": {Summary: "Make a domain its school's primary one", Tag: tag, Response: Tenant{}}})
}
