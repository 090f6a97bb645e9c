package exams

import (
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/module"
)

// Module is assessments, results and report cards as the appliance plugs them in.
func Module() module.Module {
	return module.Module{
		Name: "exams",
		Policy: auth.Policy{
			Read:    {auth.RoleAdmin, auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer},
			Assess:  {auth.RoleAdmin, auth.RoleTeacher},
			Comment: {auth.RoleAdmin, auth.RoleTeacher},
			Manage:  {auth.RoleAdmin},
		},
		API:     Routes(New),
		OpenAPI: OpenAPIPaths,
	}
}
