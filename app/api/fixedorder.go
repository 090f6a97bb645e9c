package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/errs"
)

// FixedOrder is for a list that has one order: it refuses ?ordering= with an Invalid
// error naming the parameter and the order the list has, rather than ignoring it.
func FixedOrder(c *fiber.Ctx, order string) error {
	if c.Query("ordering") == "" {
		return nil
	}
	return errs.Field("ordering", "this list cannot be reordered; it is always ordered by "+order)
}
