package settings

import (
	"fmt"
	"io"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/web"
)

type pages struct{ *web.Kit }

func pageRoutes(r fiber.Router, k *web.Kit) {
	h := pages{k}
	manage := h.Require(Manage)
	// The logo shows on every page, the sign-in page too: it needs no account.
	r.Get(web.LogoPath, serveLogo)
	r.Get("/settings", manage, h.settingsForm)
	r.Post("/settings", manage, h.settingsSave)
	r.Post("/settings/logo", manage, h.logoSave)
	r.Post("/settings/logo/delete", manage, h.logoDelete)
	r.Post("/settings/admission-pattern", manage, h.patternSave)
	r.Get("/audit", h.Require(ReadAudit), h.auditList)
}

// settingsData is what the settings page shows besides the profile form.
type settingsData struct {
	Profile        school.Profile
	DateFormats    []web.Option
	Timezones      []string // suggestions; any IANA name is accepted
	Pattern        students.AdmissionPatternInfo
	PatternForm    string
	PatternError   string
	LogoError      string
	MaxLogoKB      int
	MaxLogoSide    int
	Today          string // today's date written in the school's format, as an example
	CallingCode    string
	CountryExample string
}

// Timezones people pick most here; the field takes any IANA name.
var commonTimezones = []string{"Africa/Nairobi", "Africa/Kampala", "Africa/Dar_es_Salaam", "Africa/Kigali",
	"Africa/Addis_Ababa", "Africa/Lagos", "Africa/Accra", "Africa/Johannesburg", "Africa/Lusaka", "Africa/Harare",
	"Africa/Cairo", "Europe/London", "America/New_York", "Asia/Kolkata", "UTC"}

var profileFields = []string{"name", "motto", "address", "phone", "email", "country_code", "timezone", "date_format"}

func profileForm(p school.Profile) map[string]string {
	return map[string]string{"name": p.Name, "motto": p.Motto, "address": p.Address, "phone": p.Phone, "email": p.Email,
		"country_code": p.CountryCode, "timezone": p.Timezone, "date_format": p.DateFormat}
}

func (h pages) settingsForm(c *fiber.Ctx) error {
	v := h.View(c, "School settings", "settings")
	return h.settingsPage(c, fiber.StatusOK, v, nil)
}

// settingsPage shows the settings; v.Form holds the profile form's values unless set.
func (h pages) settingsPage(c *fiber.Ctx, status int, v *web.View, edit func(*settingsData)) error {
	ctx, t := c.UserContext(), web.Tenant(c)
	p, err := school.New(t).Profile(ctx)
	if err != nil {
		return h.Fail(c, err)
	}
	pat, err := students.New(t).AdmissionPattern(ctx)
	if err != nil {
		return h.Fail(c, err)
	}
	if len(v.Form) == 0 {
		v.Form = profileForm(p)
	}
	now, err := school.New(t).Now(ctx)
	if err != nil {
		return h.Fail(c, err)
	}
	d := settingsData{Profile: p, Timezones: commonTimezones, Pattern: pat, PatternForm: pat.Pattern,
		MaxLogoKB: school.MaxLogoBytes >> 10, MaxLogoSide: school.MaxLogoSide}
	for _, f := range school.DateFormats {
		d.DateFormats = append(d.DateFormats, web.Option{Value: f,
			Label: f + " (" + now.Format(school.DateLayoutOf(f)) + ")"})
	}
	d.Today = p.Dates().Date(now)
	if edit != nil {
		edit(&d)
	}
	v.Data = d
	return h.Render(c, status, "settings", v)
}

func (h pages) settingsSave(c *fiber.Ctx) error {
	v := h.View(c, "School settings", "settings")
	v.Form = web.Form(c, profileFields...)
	in := school.ProfilePatch{}
	for _, f := range profileFields {
		val := v.Form[f]
		switch f {
		case "name":
			in.Name = &val
		case "motto":
			in.Motto = &val
		case "address":
			in.Address = &val
		case "phone":
			in.Phone = &val
		case "email":
			in.Email = &val
		case "country_code":
			in.CountryCode = &val
		case "timezone":
			in.Timezone = &val
		case "date_format":
			in.DateFormat = &val
		}
	}
	if _, err := UpdateProfile(c, in); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.settingsPage(c, status, v, nil)
	}
	return web.Redirect(c, v.Prefix+"/settings?done=settings_saved")
}

// logoUpload reads the form's image, refusing more than a logo may be before reading it.
func logoUpload(c *fiber.Ctx) ([]byte, error) {
	fh, err := c.FormFile("logo")
	if err != nil {
		return nil, errs.Field("logo", "choose a PNG or JPEG image")
	}
	if fh.Size > school.MaxLogoBytes {
		return nil, errs.Field("logo", fmt.Sprintf("is too large (%d KB): a logo may be at most %d KB", (fh.Size+1023)/1024, school.MaxLogoBytes>>10))
	}
	f, err := fh.Open()
	if err != nil {
		return nil, errs.Wrap(err, "open upload")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, school.MaxLogoBytes+1))
	if err != nil {
		return nil, errs.Wrap(err, "read upload")
	}
	return data, nil
}

func (h pages) logoSave(c *fiber.Ctx) error {
	v := h.View(c, "School settings", "settings")
	data, err := logoUpload(c)
	if err == nil {
		_, err = school.New(web.Tenant(c)).SetLogo(c.UserContext(), data, auth.MetaFrom(c))
	}
	if err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		msg := v.Fields["logo"]
		delete(v.Fields, "logo")
		v.Error = ""
		return h.settingsPage(c, status, v, func(d *settingsData) { d.LogoError = "The logo " + msg + "." })
	}
	return web.Redirect(c, v.Prefix+"/settings?done=logo_saved#logo")
}

func (h pages) logoDelete(c *fiber.Ctx) error {
	if _, err := school.New(web.Tenant(c)).DeleteLogo(c.UserContext(), auth.MetaFrom(c)); err != nil {
		return h.Fail(c, err)
	}
	return web.Redirect(c, web.Prefix(c)+"/settings?done=logo_removed#logo")
}

func (h pages) patternSave(c *fiber.Ctx) error {
	v := h.View(c, "School settings", "settings")
	pattern := web.Form(c, "pattern")["pattern"]
	if _, err := students.New(web.Tenant(c)).SetAdmissionPattern(c.UserContext(), pattern, auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		msg := v.Fields["pattern"]
		if msg == "" {
			msg = v.Error
		}
		delete(v.Fields, "pattern")
		v.Error = ""
		return h.settingsPage(c, status, v, func(d *settingsData) { d.PatternForm, d.PatternError = pattern, web.Sentence(msg) })
	}
	return web.Redirect(c, v.Prefix+"/settings?done=pattern_saved#admission-numbers")
}

// auditPageSize is how many entries the audit page shows at once.
const auditPageSize = 50

// auditData is the audit-log page.
type auditData struct {
	Entries []AuditEntry
	Filter  AuditFilter
	Actors  []web.Option
	Actions []web.Option
	Pager   web.Pager
}

func (h pages) auditList(c *fiber.Ctx) error {
	v := h.View(c, "Audit log", "audit")
	ctx, t := c.UserContext(), web.Tenant(c)
	f := AuditFilter{Actor: c.Query("user"), Action: c.Query("action"), From: c.Query("from"), To: c.Query("to")}
	v.Form = map[string]string{"user": f.Actor, "action": f.Action, "from": f.From, "to": f.To}
	pg, err := web.PageOf(c, auditPageSize)
	if err != nil {
		return h.Fail(c, err)
	}
	a := Audit{T: t}
	actors, actions, err := a.Choices(ctx)
	if err != nil {
		return h.Fail(c, err)
	}
	d := auditData{Filter: f}
	for _, x := range actors {
		d.Actors = append(d.Actors, web.Option{Value: x, Label: x})
	}
	for _, x := range actions {
		d.Actions = append(d.Actions, web.Option{Value: x, Label: x})
	}
	rows, n, err := a.List(ctx, f, pg)
	status := fiber.StatusOK
	if err != nil {
		if status, err = web.FormError(v, err); err != nil {
			return err
		}
		rows, n = nil, 0
	}
	d.Entries = rows
	q := url.Values{}
	for k, val := range v.Form {
		if val != "" {
			q.Set(k, val)
		}
	}
	d.Pager = web.NewPager(v.Prefix+"/audit", q, pg.Number, auditPageSize, n)
	v.Data = d
	return h.Render(c, status, "audit", v)
}
