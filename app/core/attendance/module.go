package attendance

import (
	"github.com/schoolsms/sms/app/module"
)

// Module is attendance and the school calendar as the appliance plugs them in.
func Module() module.Module {
	return module.Module{
		Name:    "attendance",
		Policy:  policy,
		API:     Routes,
		OpenAPI: OpenAPIPaths,
	}
}
