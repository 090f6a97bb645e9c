package notices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/db"
)

// Module is notices as the appliance plugs them in.
func Module() module.Module {
	return module.Module{
		Name:    "notices",
		Policy:  policy,
		API:     Routes,
		OpenAPI: OpenAPI,
		Pages: web.Pages{
			Routes:    pageRoutes,
			Templates: []string{"notices", "notice_form"},
			Nav:       []web.NavItem{{Key: "notices", Label: "Notices", Path: "/notices", Action: Read, Order: 60}},
			Cards:     []web.Card{{Action: Read, Order: 60, Fill: card}},
			Flashes: map[string]string{
				"notice_created": "The notice was saved.",
				"notice_saved":   "The notice was saved.",
				"notice_deleted": "The notice was deleted.",
			},
		},
		Workers: []module.Worker{{Name: "publish-due", Run: publishDue}},
	}
}

// card shows the current notices on the dashboard, pinned first.
func card(c *fiber.Ctx) (web.CardView, bool, error) {
	list, n, err := New(web.Tenant(c)).CurrentNotices(c.UserContext(), 1)
	if err != nil {
		return web.CardView{}, false, err
	}
	v := web.CardView{Label: "Current notices", Value: fmt.Sprint(n), Link: "/notices", LinkText: "Notices"}
	if len(list) > 0 {
		v.Text = list[0].Title
		if list[0].Pinned {
			v.Text = "Pinned: " + v.Text
		}
	}
	return v, true, nil
}

// publishEvery is how often the worker looks for notices whose first day has come.
const publishEvery = 5 * time.Minute

// publishDue publishes, in every school, the notices whose first day has come (saved
// earlier for a later day), at start and then every publishEvery.
func publishDue(ctx context.Context, rt module.Runtime) error {
	d := &dueNotices{pool: rt.Pool, seen: map[string]dueVisit{}}
	tick := time.NewTicker(publishEvery)
	defer tick.Stop()
	for {
		schools, err := rt.Catalog.Read().ListTenantSchemasPlacedOn(ctx, rt.Appliance)
		if err != nil && ctx.Err() == nil {
			rt.Log.Warn("list schools", slog.Any("error", err))
		}
		d.forgetOthers(schools)
		for _, s := range schools {
			if err := d.visit(ctx, s); err != nil && ctx.Err() == nil {
				rt.Log.Warn("publish due notices", slog.String("tenant", s), slog.Any("error", err))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// dueNotices remembers, for each school it visited, when it did and the first day of
// the school's next scheduled notice, so that a round opens only the schools where a
// notice may have come due: on a provider's box of a thousand schools, a round that
// opened every file would close the ones users are working in every few minutes.
type dueNotices struct {
	pool *db.Pool
	seen map[string]dueVisit
}

type dueVisit struct {
	at   time.Time // taken before the visit read anything
	next string    // NextDue then
}

// forgetOthers drops what it remembers of schools no longer placed here.
func (d *dueNotices) forgetOthers(schools []string) {
	keep := make(map[string]bool, len(schools))
	for _, s := range schools {
		keep[s] = true
	}
	for s := range d.seen {
		if !keep[s] {
			delete(d.seen, s)
		}
	}
}

// earliestZone is the timezone a date begins in first (Kiribati's Line Islands,
// UTC+14): a notice's first day has not come in any school before it has come there.
var earliestZone = time.FixedZone("UTC+14", 14*60*60)

// visit publishes a school's due notices unless nothing can have come due since the
// last visit: its file has not changed since (no notice saved, no timezone changed)
// and the first day of its next notice has not begun anywhere. The visit does not
// count as use of the school (WithTenantBackground), so it keeps users' files open.
func (d *dueNotices) visit(ctx context.Context, schema string) error {
	now := school.ClockOf(ctx)()
	if v, ok := d.seen[schema]; ok && !d.pool.ChangedSince(schema, v.at) &&
		(v.next == "" || v.next > now.In(earliestZone).Format(time.DateOnly)) {
		return nil
	}
	delete(d.seen, schema)
	err := d.pool.WithTenantBackground(ctx, schema, func(t *db.Tenant) error {
		at := time.Now()
		s := New(t)
		if _, err := s.PublishDue(ctx); err != nil {
			return err
		}
		next, err := s.NextDue(ctx)
		if err != nil {
			return err
		}
		d.seen[schema] = dueVisit{at: at, next: next}
		return nil
	})
	if errors.Is(err, db.ErrUnknownTenant) {
		return nil
	}
	return err
}
