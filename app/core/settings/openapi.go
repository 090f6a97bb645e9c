package settings

import "github.com/schoolsms/sms/app/api"

// OpenAPIPaths describes the school settings endpoints (school hosts, admins only).
func OpenAPIPaths() map[string]any {
	const tag = "settings"
	profile := api.Obj("id:integer", "name:string", "motto:string", "address:string", "phone:string", "email:string",
		"country_code:string", "timezone:string", "date_format:string", "logo_version:string", "updated_at:string")
	patch := api.Obj("name:string?", "motto:string?", "address:string?", "phone:string?", "email:string?",
		"country_code:string?", "timezone:string?", "date_format:string?")
	return map[string]any{
		"/api/school/profile/": api.Item("/api/school/profile/", map[string]api.Op{
			"get": {Summary: "The school's profile (admin)", Tag: tag, Response: profile},
			"patch": {Summary: "Change the school's profile (admin; only the fields sent). country_code (ISO 3166 alpha-2) decides how national phone numbers read; " +
				"timezone is an IANA name; date_format is DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD. A new name is copied to the platform's list of schools.",
				Tag: tag, Body: patch, Response: profile},
		}),
		"/api/school/logo/": api.Item("/api/school/logo/", map[string]api.Op{
			"put": {Summary: "Replace the school's logo (admin): the request body is a PNG or JPEG image of at most 512 KB and 2048×2048 pixels; " +
				"it is served at /school/logo", Tag: tag, Response: profile},
			"delete": {Summary: "Remove the school's logo (admin)", Tag: tag, Status: 204},
		}),
	}
}
