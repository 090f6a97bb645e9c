package settings

import (
	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/core/school"
)

// OpenAPI describes the school settings endpoints (school hosts, admins only).
func OpenAPI(d *api.Doc) {
	const tag = "settings"
	d.Add("/api/school/profile/", map[string]api.Op{
		"get": {Summary: "The school's profile (admin)", Tag: tag, Response: school.Profile{}},
		"patch": {Summary: "Change the school's profile (admin; only the fields sent). country_code (ISO 3166 alpha-2) decides how national phone numbers read; " +
			"timezone is an IANA name; date_format is DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD. A new name is copied to the platform's list of schools.",
			Tag: tag, Body: school.ProfilePatch{}, Response: school.Profile{}},
	})
	image := map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
	d.Add("/api/school/logo/", map[string]api.Op{
		"put": {Summary: "Replace the school's logo (admin): a PNG or JPEG image of at most 512 KB and 2048×2048 pixels, " +
			"checked by its content and written again; served at /school/logo", Tag: tag,
			BodyContent: map[string]any{"image/png": image, "image/jpeg": image}, Response: school.Profile{}},
		"delete": {Summary: "Remove the school's logo (admin)", Tag: tag, Status: 204},
	})
}
