package app

import (
	"maps"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/module"
)

// openAPIDocument describes every /api endpoint, assembled from the packages that
// register them (a test checks it against the routes that exist).
func openAPIDocument(mods []module.Module) map[string]any {
	paths := map[string]any{}
	for _, m := range mods {
		if m.OpenAPI != nil {
			maps.Copy(paths, m.OpenAPI())
		}
	}
	for _, p := range []map[string]any{auth.OpenAPIPaths(), clients.OpenAPIPaths(), {
		"/api/tenant": api.Item("/api/tenant", map[string]api.Op{
			"get": {Summary: "Which school this host (or /t/<schema>/ prefix) serves", Tag: "tenancy",
				Response: api.Obj("schema_name:string", "name:string", "domains:array", "profile:object")}}),
		"/api/openapi.json": api.Item("/api/openapi.json", map[string]api.Op{
			"get": {Summary: "This document", Tag: "meta", Response: map[string]any{"type": "object"}}}),
		"/healthz": api.Item("/healthz", map[string]api.Op{
			"get": {Summary: "Liveness, on any host: the process answers HTTP", Tag: "meta", Response: api.Obj("status:string")}}),
		"/readyz": readyzItem(),
	}} {
		maps.Copy(paths, p)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "SMS — school management appliance", "version": "1",
			"description": "School endpoints answer on a school's host (or under /t/<schema>/); /api/clients answers on the base domain. " +
				"Authenticate with a session cookie (unsafe requests then need X-CSRF-Token) or Authorization: Bearer <token>. " +
				"Lists are paged: ?page=&page_size= and answer {count,next,previous,results}."},
		"paths": paths,
		"components": map[string]any{
			"responses": map[string]any{"Error": map[string]any{"description": "error",
				"content": map[string]any{"application/json": map[string]any{"schema": api.Obj("error:object")}}}},
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "sms_session"}}},
	}
}

// readyzItem documents /readyz, whose not-ready answer (503) has the same shape as its
// ready one rather than the error envelope.
func readyzItem() map[string]any {
	check := api.Obj("ok:boolean", "error:string?")
	body := map[string]any{"type": "object", "required": []string{"status", "failing", "checks"}, "properties": map[string]any{
		"status":  map[string]any{"type": "string", "enum": []string{"ready", "not_ready"}},
		"failing": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		"checks": map[string]any{"type": "object", "properties": map[string]any{
			"catalog": check, "nats": check, "data_dir": check}},
	}}
	item := api.Item("/readyz", map[string]api.Op{
		"get": {Summary: "Readiness, on any host: the catalog answers a query, NATS is connected and the data dir takes writes",
			Tag: "meta", Response: body}})
	responses := item["get"].(map[string]any)["responses"].(map[string]any)
	responses["503"] = map[string]any{"description": "not ready; failing names the checks that failed",
		"content": map[string]any{"application/json": map[string]any{"schema": body}}}
	return item
}

func (s *Server) openAPI(c *fiber.Ctx) error { return c.JSON(s.openapi) }
