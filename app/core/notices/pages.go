package notices

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/web"
)

// pages are the notices pages: the list, and a form to write or change one.
type pages struct{ *web.Kit }

func pageRoutes(r fiber.Router, k *web.Kit) {
	h := pages{k}
	read, write := h.Require(Read), h.Require(Write)
	r.Get("/notices", read, h.list)
	r.Get("/notices/new", write, h.newForm)
	r.Post("/notices", write, h.create)
	r.Get("/notices/:id", write, h.editForm)
	r.Post("/notices/:id", write, h.update)
	r.Post("/notices/:id/pin", write, h.pin)
	r.Post("/notices/:id/delete", write, h.remove)
}

// listData is the notices list page.
type listData struct {
	Notices  []Notice
	Today    string
	CanWrite bool
	Pager    web.Pager
}

func (h pages) list(c *fiber.Ctx) error {
	v := h.View(c, "Notices", "notices")
	page, err := web.PageOf(c, 25)
	if err != nil {
		return h.Fail(c, err)
	}
	svc := New(web.Tenant(c))
	list, n, err := svc.List(c.UserContext(), Filter{Order: Ordering.Default()}, page)
	if err != nil {
		return h.Fail(c, err)
	}
	today, err := svc.today(c.UserContext())
	if err != nil {
		return h.Fail(c, err)
	}
	v.Data = listData{Notices: list, Today: today, CanWrite: auth.Allowed(v.User, Write),
		Pager: web.NewPager(v.Prefix+"/notices", url.Values{}, page.Number, page.Size, n)}
	return h.Render(c, fiber.StatusOK, "notices", v)
}

// formData is the page to write or change a notice.
type formData struct {
	Notice   *Notice // nil for a new one
	Forms    []web.Option
	Classes  []web.OptionGroup
	Audience []web.Option
}

func (h pages) formPage(c *fiber.Ctx, v *web.View, status int, n *Notice) error {
	forms, err := academics.FormOptions(c)
	if err != nil {
		return h.Fail(c, err)
	}
	d := formData{Notice: n, Forms: forms, Audience: []web.Option{{Value: All, Label: "Everyone"},
		{Value: Form, Label: "One form"}, {Value: Class, Label: "One class"}}}
	if cur, err := academics.New(web.Tenant(c)).CurrentSession(c.UserContext()); err == nil {
		_, opts, err := academics.ClassOptions(c, cur.ID)
		if err != nil {
			return h.Fail(c, err)
		}
		d.Classes = web.Grouped(opts)
	}
	v.Data = d
	return h.Render(c, status, "notice_form", v)
}

func (h pages) newForm(c *fiber.Ctx) error {
	v := h.View(c, "New notice", "notices")
	today, err := school.TodayIn(c.UserContext(), web.Tenant(c).Read())
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = map[string]string{"audience": All, "publish_from": today}
	return h.formPage(c, v, fiber.StatusOK, nil)
}

// input reads the form into a notice.
func input(v *web.View, c *fiber.Ctx) NoticeInput {
	v.Form = web.Form(c, "title", "body", "audience", "form", "class", "publish_from", "publish_until")
	v.Form["pinned"] = web.Checked(c, "pinned")
	in := NoticeInput{Title: v.Form["title"], Body: v.Form["body"], Audience: v.Form["audience"],
		PublishFrom: v.Form["publish_from"], Pinned: v.Form["pinned"] == "1"}
	if u := v.Form["publish_until"]; u != "" {
		in.PublishUntil = &u
	}
	id := func(name string) *int64 {
		if n, err := strconv.ParseInt(v.Form[name], 10, 64); err == nil {
			return &n
		}
		if v.Form[name] != "" {
			bad := int64(-1) // not an id: the service names the field
			return &bad
		}
		return nil
	}
	switch in.Audience {
	case Form:
		in.FormID = id("form")
	case Class:
		in.ClassID = id("class")
	}
	return in
}

func (h pages) create(c *fiber.Ctx) error {
	v := h.View(c, "New notice", "notices")
	in := input(v, c)
	if _, err := New(web.Tenant(c)).Create(c.UserContext(), in, auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.formPage(c, v, status, nil)
	}
	return web.Redirect(c, v.Prefix+"/notices?done=notice_created")
}

func (h pages) notice(c *fiber.Ctx) (Notice, error) {
	id, err := web.PathID(c, "notice")
	if err != nil {
		return Notice{}, err
	}
	return New(web.Tenant(c)).Notice(c.UserContext(), id)
}

func (h pages) editForm(c *fiber.Ctx) error {
	n, err := h.notice(c)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, n.Title, "notices")
	v.Form = map[string]string{"title": n.Title, "body": n.Body, "audience": n.Audience, "publish_from": n.PublishFrom,
		"pinned": ""}
	if n.Pinned {
		v.Form["pinned"] = "1"
	}
	if n.FormID != nil {
		v.Form["form"] = web.ID(*n.FormID)
	}
	if n.ClassID != nil {
		v.Form["class"] = web.ID(*n.ClassID)
	}
	if n.PublishUntil != nil {
		v.Form["publish_until"] = *n.PublishUntil
	}
	return h.formPage(c, v, fiber.StatusOK, &n)
}

func (h pages) update(c *fiber.Ctx) error {
	n, err := h.notice(c)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, n.Title, "notices")
	in := input(v, c)
	p := NoticePatch{Title: &in.Title, Body: &in.Body, Audience: &in.Audience, PublishFrom: &in.PublishFrom, Pinned: &in.Pinned,
		FormID: api.Null[int64](), ClassID: api.Null[int64](), PublishUntil: api.Null[string]()}
	if in.FormID != nil {
		p.FormID = api.Value(*in.FormID)
	}
	if in.ClassID != nil {
		p.ClassID = api.Value(*in.ClassID)
	}
	if in.PublishUntil != nil {
		p.PublishUntil = api.Value(*in.PublishUntil)
	}
	if _, err := New(web.Tenant(c)).Update(c.UserContext(), n.ID, p, auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.formPage(c, v, status, &n)
	}
	return web.Redirect(c, v.Prefix+"/notices?done=notice_saved")
}

// pin pins a notice, or unpins a pinned one.
func (h pages) pin(c *fiber.Ctx) error {
	n, err := h.notice(c)
	if err != nil {
		return h.Fail(c, err)
	}
	pinned := !n.Pinned
	if _, err := New(web.Tenant(c)).Update(c.UserContext(), n.ID, NoticePatch{Pinned: &pinned}, auth.MetaFrom(c)); err != nil {
		return h.Fail(c, err)
	}
	return web.Redirect(c, fmt.Sprintf("%s/notices?done=notice_saved", web.Prefix(c)))
}

func (h pages) remove(c *fiber.Ctx) error {
	n, err := h.notice(c)
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(web.Tenant(c)).Delete(c.UserContext(), n.ID, auth.MetaFrom(c)); err != nil {
		return h.Fail(c, err)
	}
	return web.Redirect(c, web.Prefix(c)+"/notices?done=notice_deleted")
}
