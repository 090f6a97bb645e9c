package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/tenancy"
)

type tenantInfo struct {
	Schema  string         `json:"schema_name"`
	Name    string         `json:"name"`
	Domains []string       `json:"domains"`
	Profile school.Profile `json:"profile"`
}

// tenantInfo answers GET /api/tenant: which school this host (or /t/ prefix) serves,
// from the catalog (name, domains) and from the school's own file (profile).
func (s *Server) tenantInfo(c *fiber.Ctx) error {
	r := tenancy.From(c)
	t, err := s.a.Clients.Get(c.UserContext(), r.Info.Schema)
	if err != nil {
		return err
	}
	profile, err := school.New(r.Tenant).Profile(c.UserContext())
	if err != nil {
		return err
	}
	out := tenantInfo{Schema: t.Schema, Name: t.Name, Domains: []string{}, Profile: profile}
	for _, d := range t.Domains {
		out.Domains = append(out.Domains, d.Domain)
	}
	return c.JSON(out)
}
