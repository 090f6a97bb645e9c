package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/clients"
)

func (c *cli) settingsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "settings", Short: "Show and change the platform's settings (defaults for new schools)",
		Args: cobra.ArbitraryArgs, RunE: unknownSubcommand}
	cmd.AddCommand(c.settingsList(), c.settingsSet())
	return cmd
}

func (c *cli) settingsList() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Show the platform's settings",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				d, err := a.Clients.Defaults(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(c.out(), "%s=%s\n%s=%s\n", clients.SettingDefaultCountry, d.Country, clients.SettingDefaultTimezone, d.Timezone)
				return nil
			})
		},
	}
}

func (c *cli) settingsSet() *cobra.Command {
	long := "Change a platform setting; an empty VALUE restores its default. The settings:\n"
	for _, k := range slices.Sorted(maps.Keys(clients.Settings)) {
		long += "  " + k + ": " + clients.Settings[k] + "\n"
	}
	return &cobra.Command{
		Use:   "set KEY VALUE",
		Short: "Change a platform setting (default-country, default-timezone)",
		Long:  long,
		Args:  exactArgs(2, "KEY VALUE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				v, err := a.Clients.SetSetting(ctx, args[0], args[1])
				if err != nil {
					return err
				}
				c.audit(ctx, a, "settings.set", args[0], map[string]any{"value": v})
				fmt.Fprintf(c.out(), "%s=%s\n", args[0], v)
				return nil
			})
		},
	}
}
