package notices

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

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
	tick := time.NewTicker(publishEvery)
	defer tick.Stop()
	for {
		schools, err := rt.Catalog.Read().ListTenantSchemasPlacedOn(ctx, rt.Appliance)
		if err != nil && ctx.Err() == nil {
			rt.Log.Warn("list schools", slog.Any("error", err))
		}
		for _, s := range schools {
			err := rt.Pool.WithTenant(ctx, s, func(t *db.Tenant) error {
				_, err := New(t).PublishDue(ctx)
				return err
			})
			if err != nil && !errors.Is(err, db.ErrUnknownTenant) && ctx.Err() == nil {
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
