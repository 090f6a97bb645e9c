package settings

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api/handler"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/tenancy"
)

// Routes registers /api/school/profile/ and /api/school/logo/ on a school's routes
// (admins only).
func Routes(r fiber.Router) {
	manage := auth.Require(Manage)
	r.Get("/api/school/profile", manage, getProfile)
	r.Patch("/api/school/profile", manage, patchProfile)
	r.Put("/api/school/logo", manage, putLogo)
	r.Delete("/api/school/logo", manage, deleteLogo)
}

func getProfile(c *fiber.Ctx) error {
	p, err := handler.Service(c, school.New).Profile(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func patchProfile(c *fiber.Ctx) error {
	in, err := handler.Body[school.ProfilePatch](c)
	if err != nil {
		return err
	}
	p, err := UpdateProfile(c, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// UpdateProfile changes the request's school's profile and, when the name changed, the
// catalog's copy of it: the profile is where the name is kept, the platform's list
// follows it.
func UpdateProfile(c *fiber.Ctx, in school.ProfilePatch) (school.Profile, error) {
	ctx, svc := c.UserContext(), handler.Service(c, school.New)
	before, err := svc.Profile(ctx)
	if err != nil {
		return school.Profile{}, err
	}
	p, err := svc.UpdateProfile(ctx, in, handler.Meta(c))
	if err != nil {
		return school.Profile{}, err
	}
	if r := tenancy.From(c); p.Name != before.Name || p.Name != r.Info.Name {
		if err := r.SetName(ctx, p.Name); err != nil {
			return school.Profile{}, err
		}
	}
	return p, nil
}

func putLogo(c *fiber.Ctx) error {
	p, err := handler.Service(c, school.New).SetLogo(c.UserContext(), c.Body(), handler.Meta(c))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func deleteLogo(c *fiber.Ctx) error {
	if _, err := handler.Service(c, school.New).DeleteLogo(c.UserContext(), handler.Meta(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// serveLogo answers the school's logo. A link with the logo's version (?v=, as pages
// write it) names one image for good, so browsers keep it; without one the browser
// asks again each time but is answered 304 while the logo is the same.
func serveLogo(c *fiber.Ctx) error {
	svc := handler.Service(c, school.New)
	p, err := svc.Profile(c.UserContext())
	if err != nil {
		return err
	}
	if !p.HasLogo() {
		return school.ErrNoLogo
	}
	etag := `"` + p.LogoVersion + `"`
	c.Set(fiber.HeaderETag, etag)
	if v := c.Query("v"); v == p.LogoVersion {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	ct, data, err := svc.Logo(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(data)
}
