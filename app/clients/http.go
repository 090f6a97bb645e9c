package clients

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
)

// Routes registers the platform's school-management API (base domain only).
func (s *Service) Routes(r fiber.Router, a *auth.Service) {
	g := r.Group("/api/clients", auth.Require(auth.ManageSchools))
	h := handlers{s: s, auth: a}
	g.Get("/tenants", h.list)
	g.Post("/tenants", h.create)
	g.Get("/tenants/:schema", h.get)
	g.Patch("/tenants/:schema", h.update)
	g.Delete("/tenants/:schema", h.delete)
	g.Get("/tenants/:schema/domains", h.listDomains)
	g.Post("/tenants/:schema/domains", h.addDomain)
	g.Delete("/domains/:domain", h.removeDomain)
	g.Post("/domains/:domain/primary", h.setPrimary)
}

type handlers struct {
	s    *Service
	auth *auth.Service
}

// audit records a platform action in the catalog's audit log.
func (h handlers) audit(c *fiber.Ctx, action, target string, detail any) {
	h.auth.Audit(c.UserContext(), auth.PlatformStore(h.s.Catalog), auth.MetaFrom(c).Entry(action, target, detail))
}

func (h handlers) list(c *fiber.Ctx) error {
	pg, err := api.PageOf(c)
	if err != nil {
		return err
	}
	if err := api.FixedOrder(c, "schema name"); err != nil {
		return err
	}
	all, err := h.s.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(api.NewList(c, pg, int64(len(all)), query.Slice(all, pg)))
}

// CreateRequest is the body of POST /api/clients/tenants/.
type CreateRequest struct {
	Schema  string        `json:"schema_name"`
	Name    string        `json:"name"`
	Domains []string      `json:"domains"`
	Admin   *auth.NewUser `json:"admin"` // optional first admin of the school
	// Country (ISO 3166 alpha-2) and timezone (IANA) of the school; the platform's
	// defaults when empty (sms settings set default-country ...).
	Country  string `json:"country_code"`
	Timezone string `json:"timezone"`
}

// CreateWithAdmin creates a school and, when admin is set, its first admin account in
// the same new file: either both exist afterwards or neither.
func (s *Service) CreateWithAdmin(ctx context.Context, in CreateRequest, meta auth.Meta) (Tenant, error) {
	ci := CreateInput{Schema: in.Schema, Name: in.Name, Domains: in.Domains, Country: in.Country, Timezone: in.Timezone}
	if in.Admin == nil {
		return s.Create(ctx, ci)
	}
	_, _, schoolErr := s.checkInput(ci)
	init, err := adminInit(*in.Admin, schoolErr, meta)
	if err != nil {
		return Tenant{}, err
	}
	ci.Init = init
	return s.Create(ctx, ci)
}

func (h handlers) create(c *fiber.Ctx) error {
	var in CreateRequest
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	t, err := h.s.CreateWithAdmin(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	detail := map[string]any{"name": t.Name, "domains": t.Domains}
	if in.Admin != nil {
		detail["admin"] = in.Admin.Email
	}
	h.audit(c, "tenant.create", t.Schema, detail)
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (h handlers) get(c *fiber.Ctx) error {
	t, err := h.s.Get(c.UserContext(), c.Params("schema"))
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// UpdateRequest is the body of PATCH /api/clients/tenants/{schema}/.
type UpdateRequest struct {
	Name   *string `json:"name"`
	Status *string `json:"status"`
}

func (h handlers) update(c *fiber.Ctx) error {
	var in UpdateRequest
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	schema := c.Params("schema")
	t, err := h.s.Update(c.UserContext(), schema, in)
	if err != nil {
		return err
	}
	h.audit(c, "tenant.update", schema, in)
	return c.JSON(t)
}

// Update applies a name and/or status change, validating both before changing either.
func (s *Service) Update(ctx context.Context, schema string, in UpdateRequest) (Tenant, error) {
	f := errs.Fields{}
	if in.Name != nil {
		checkName(f, *in.Name)
	}
	if in.Status != nil && *in.Status != "active" && *in.Status != "suspended" {
		f.Add("status", "must be active or suspended")
	}
	if err := f.Err(); err != nil {
		return Tenant{}, err
	}
	t, err := s.Get(ctx, schema)
	if err != nil {
		return Tenant{}, err
	}
	if in.Name != nil {
		if t, err = s.Rename(ctx, schema, *in.Name); err != nil {
			return Tenant{}, err
		}
	}
	if in.Status != nil {
		if t, err = s.setStatus(ctx, schema, *in.Status); err != nil {
			return Tenant{}, err
		}
	}
	return t, nil
}

func (h handlers) delete(c *fiber.Ctx) error {
	schema := c.Params("schema")
	purge := c.QueryBool("purge", false)
	archived, err := h.s.Delete(c.UserContext(), schema, purge)
	if err != nil {
		return err
	}
	h.audit(c, "tenant.delete", schema, map[string]any{"purge": purge, "archived": archived != ""})
	return c.SendStatus(fiber.StatusNoContent)
}

func (h handlers) listDomains(c *fiber.Ctx) error {
	ds, err := h.s.ListDomains(c.UserContext(), c.Params("schema"))
	if err != nil {
		return err
	}
	return c.JSON(api.List[Domain]{Count: int64(len(ds)), Results: ds})
}

// DomainInput adds a domain to a school.
type DomainInput struct {
	Domain    string `json:"domain"`
	IsPrimary bool   `json:"is_primary"`
}

func (h handlers) addDomain(c *fiber.Ctx) error {
	var in DomainInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	schema := c.Params("schema")
	t, err := h.s.AddDomain(c.UserContext(), schema, in.Domain, in.IsPrimary)
	if err != nil {
		return err
	}
	h.audit(c, "domain.add", schema, in)
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (h handlers) removeDomain(c *fiber.Ctx) error {
	d := c.Params("domain")
	t, err := h.s.RemoveDomain(c.UserContext(), d)
	if err != nil {
		return err
	}
	h.audit(c, "domain.remove", t.Schema, map[string]any{"domain": d})
	return c.JSON(t)
}

func (h handlers) setPrimary(c *fiber.Ctx) error {
	d := c.Params("domain")
	t, err := h.s.SetPrimaryDomain(c.UserContext(), d)
	if err != nil {
		return err
	}
	h.audit(c, "domain.set_primary", t.Schema, map[string]any{"domain": d})
	return c.JSON(t)
}
