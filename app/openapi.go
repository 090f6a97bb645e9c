package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/module"
)

// errorDoc is the shape of every error answer (see errorBody).
type errorDoc struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

// healthBody answers /healthz.
type healthBody struct {
	Status string `json:"status"`
}

// openAPIDocument describes every /api endpoint, assembled from auth, clients and the
// modules (a test checks it against the routes that exist, and each request schema
// against the type its handler decodes).
func openAPIDocument(mods []module.Module) (map[string]any, *api.Doc) {
	d := api.NewDoc()
	auth.OpenAPI(d)
	clients.OpenAPI(d)
	for _, m := range mods {
		if m.OpenAPI != nil {
			m.OpenAPI(d)
		}
	}
	d.Add("/api/tenant", map[string]api.Op{
		"get": {Summary: "Which school this host (or /t/<schema>/ prefix) serves", Tag: "tenancy", Response: tenantInfo{}}})
	d.Add("/api/openapi.json", map[string]api.Op{
		"get": {Summary: "This document", Tag: "meta",
			ResponseContent: map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}})
	d.Add("/healthz", map[string]api.Op{
		"get": {Summary: "Liveness, on any host: the process answers HTTP", Tag: "meta", Response: healthBody{}}})
	d.Add("/readyz", map[string]api.Op{
		"get": {Summary: "Readiness, on any host: the catalog answers a query, NATS is connected and the data dir takes writes",
			Tag: "meta", Response: readyBody{}}})
	// The not-ready answer (503) has the same shape as the ready one, not the error's.
	responses := d.Paths()["/readyz"].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)
	responses["503"] = map[string]any{"description": "not ready; failing names the checks that failed",
		"content": map[string]any{"application/json": map[string]any{"schema": d.Schema(readyBody{})}}}

	errSchema := d.Schema(errorDoc{})
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "SMS — school management appliance", "version": "1",
			"description": "School endpoints answer on a school's host (or under /t/<schema>/); /api/clients answers on the base domain. " +
				"Authenticate with a session cookie (unsafe requests then need X-CSRF-Token) or Authorization: Bearer <token>. " +
				"Lists are paged: ?page=&page_size= and answer {count,next,previous,results}."},
		"paths": d.Paths(),
		"components": map[string]any{
			"schemas": d.Schemas(),
			"responses": map[string]any{"Error": map[string]any{"description": "error",
				"content": map[string]any{"application/json": map[string]any{"schema": errSchema}}}},
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "sms_session"}}},
	}, d
}

func (s *Server) openAPI(c *fiber.Ctx) error { return c.JSON(s.openapi) }
