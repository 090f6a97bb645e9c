package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/db"
)

func (c *cli) whatsappCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "whatsapp", Short: "Set up a school's WhatsApp number for the bot", Args: cobra.ArbitraryArgs, RunE: unknownSubcommand}
	var schema string
	var in chatbot.SettingsInput
	set := &cobra.Command{
		Use: "set --schema S --phone-number-id ID --access-token T --app-secret X --verify-token V [--graph-url URL]",
		Short: "Set a school's WhatsApp channel; flags left out keep their value. " +
			"Meta's webhook URL is http(s)://<base domain or the school's host>/webhooks/whatsapp",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Only the flags given change anything.
			strFlag := func(name string, dst **string) {
				if cmd.Flags().Changed(name) {
					v, _ := cmd.Flags().GetString(name)
					*dst = &v
				}
			}
			strFlag("phone-number-id", &in.PhoneNumberID)
			strFlag("display-number", &in.DisplayNumber)
			strFlag("access-token", &in.AccessToken)
			strFlag("app-secret", &in.AppSecret)
			strFlag("verify-token", &in.VerifyToken)
			strFlag("graph-url", &in.GraphURL)
			strFlag("graph-version", &in.GraphVersion)
			strFlag("template-language", &in.TemplateLanguage)
			strFlag("absence-template", &in.AbsenceTemplate)
			strFlag("notice-template", &in.NoticeTemplate)
			strFlag("reply-template", &in.ReplyTemplate)
			strFlag("alert-not-before", &in.AlertNotBefore)
			if cmd.Flags().Changed("alert-delay-minutes") {
				v, _ := cmd.Flags().GetInt64("alert-delay-minutes")
				in.AlertDelayMinutes = &v
			}
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				if _, err := a.Clients.Get(ctx, schema); err != nil {
					return err
				}
				return a.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
					s, err := a.Chatbot.SaveSettings(ctx, t, in, cliMeta)
					if err != nil {
						return err
					}
					fmt.Fprintf(c.out(), "WhatsApp number %s set for %s (channel: %s)\n", s.PhoneNumberID, schema, s.Channel.Status)
					return nil
				})
			})
		},
	}
	f := set.Flags()
	f.StringVar(&schema, "schema", "", "the school (required)")
	f.String("phone-number-id", "", "the number's phone number id in Meta's WhatsApp Manager")
	f.String("display-number", "", "the number as people dial it, e.g. +254 700 000000")
	f.String("access-token", "", "a system-user access token with whatsapp_business_messaging")
	f.String("app-secret", "", "the Meta app's secret, which signs the webhooks")
	f.String("verify-token", "", "the verify token entered with the webhook URL in Meta's app dashboard")
	f.String("graph-url", "", "the Graph API address (default https://graph.facebook.com)")
	f.String("graph-version", "", "the Graph API version (default v22.0)")
	f.String("template-language", "", "language code of the templates, e.g. en or sw")
	f.String("absence-template", "", "approved template for absence alerts (guardian, student, date, school)")
	f.String("notice-template", "", "approved template for notices (school, text)")
	f.String("reply-template", "", "approved template to answer outside the 24-hour window (school)")
	f.String("alert-not-before", "", "absence alerts go out no earlier than this school-local time, HH:MM (default 10:00)")
	f.Int64("alert-delay-minutes", 0, "and no earlier than this many minutes after the absence was marked (default 60)")
	required(set, "schema")

	show := &cobra.Command{
		Use:   "show --schema S",
		Short: "Show a school's WhatsApp channel (secrets only as set or not set)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withApp(cmd, func(ctx context.Context, a *app.App) error {
				if _, err := a.Clients.Get(ctx, schema); err != nil {
					return err
				}
				return a.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
					s, err := a.Chatbot.GetSettings(ctx, t)
					if err != nil {
						return err
					}
					setOr := func(b bool) string {
						if b {
							return "set"
						}
						return "not set"
					}
					fmt.Fprintf(c.out(), "phone number id: %s\ndisplay number:  %s\naccess token:    %s\napp secret:      %s\nverify token:    %s\n"+
						"graph api:       %s/%s\ntemplates (%s):  absence %q, notice %q, reply %q\nalerts:          not before %s, %d minutes after marking\nchannel:         %s %s\n",
						s.PhoneNumberID, s.DisplayNumber, setOr(s.AccessTokenSet), setOr(s.AppSecretSet), setOr(s.VerifyTokenSet),
						s.GraphURL, s.GraphVersion, s.TemplateLanguage, s.AbsenceTemplate, s.NoticeTemplate, s.ReplyTemplate,
						s.AlertNotBefore, s.AlertDelayMinutes, s.Channel.Status, s.Channel.Error)
					return nil
				})
			})
		},
	}
	show.Flags().StringVar(&schema, "schema", "", "the school (required)")
	required(show, "schema")
	cmd.AddCommand(set, show)
	return cmd
}
