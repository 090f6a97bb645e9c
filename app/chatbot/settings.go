package chatbot

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Settings is a school's WhatsApp channel as admins see it: the secrets only as set or
// unset.
type Settings struct {
	PhoneNumberID     string  `json:"phone_number_id"`
	DisplayNumber     string  `json:"display_number"`
	GraphURL          string  `json:"graph_url"`
	GraphVersion      string  `json:"graph_version"`
	TemplateLanguage  string  `json:"template_language"`
	AbsenceTemplate   string  `json:"absence_template"`
	NoticeTemplate    string  `json:"notice_template"`
	ReplyTemplate     string  `json:"reply_template"`
	AlertNotBefore    string  `json:"alert_not_before"`
	AlertDelayMinutes int64   `json:"alert_delay_minutes"`
	AccessTokenSet    bool    `json:"access_token_set"`
	AppSecretSet      bool    `json:"app_secret_set"`
	VerifyTokenSet    bool    `json:"verify_token_set"`
	Channel           Channel `json:"channel"`
	UpdatedAt         string  `json:"updated_at,omitempty"`
}

// Channel is whether sending works: "ok", "failing" (the Graph API refused the access
// token: set a new one), or "not_configured".
type Channel struct {
	Status string  `json:"status"`
	Error  string  `json:"error,omitempty"`
	Since  *string `json:"since,omitempty"`
}

// SettingsInput changes a school's channel: fields left out keep their value; a secret
// sent as "" is removed.
type SettingsInput struct {
	PhoneNumberID     *string `json:"phone_number_id"`
	DisplayNumber     *string `json:"display_number"`
	AccessToken       *string `json:"access_token"`
	AppSecret         *string `json:"app_secret"`
	VerifyToken       *string `json:"verify_token"`
	GraphURL          *string `json:"graph_url"`
	GraphVersion      *string `json:"graph_version"`
	TemplateLanguage  *string `json:"template_language"`
	AbsenceTemplate   *string `json:"absence_template"`
	NoticeTemplate    *string `json:"notice_template"`
	ReplyTemplate     *string `json:"reply_template"`
	AlertNotBefore    *string `json:"alert_not_before"`
	AlertDelayMinutes *int64  `json:"alert_delay_minutes"`
}

// defaultSettings is a school that never saved any.
func defaultSettings() tenantdb.ChatbotSetting {
	return tenantdb.ChatbotSetting{ID: 1, GraphUrl: whatsapp.DefaultBaseURL, GraphVersion: whatsapp.DefaultVersion,
		TemplateLanguage: "en", AlertNotBefore: "10:00", AlertDelayMinutes: 60, ChannelStatus: "ok"}
}

// loadSettings reads the school's channel settings (the defaults if none were saved).
func loadSettings(ctx context.Context, q *tenantdb.Queries) (tenantdb.ChatbotSetting, error) {
	s, err := q.ChatbotSettingsGet(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return defaultSettings(), nil
	}
	return s, err
}

// configured reports whether the school can send: a number, a token and a secret.
func configured(s tenantdb.ChatbotSetting) bool {
	return s.PhoneNumberID != "" && s.AccessToken != "" && s.AppSecret != ""
}

func settingsView(s tenantdb.ChatbotSetting) Settings {
	v := Settings{PhoneNumberID: s.PhoneNumberID, DisplayNumber: s.DisplayNumber, GraphURL: s.GraphUrl,
		GraphVersion: s.GraphVersion, TemplateLanguage: s.TemplateLanguage, AbsenceTemplate: s.AbsenceTemplate,
		NoticeTemplate: s.NoticeTemplate, ReplyTemplate: s.ReplyTemplate, AlertNotBefore: s.AlertNotBefore,
		AlertDelayMinutes: s.AlertDelayMinutes, AccessTokenSet: s.AccessToken != "", AppSecretSet: s.AppSecret != "",
		VerifyTokenSet: s.VerifyToken != "", UpdatedAt: s.UpdatedAt,
		Channel: Channel{Status: s.ChannelStatus, Error: s.ChannelError}}
	if s.ChannelFailedAt.Valid && s.ChannelStatus == "failing" {
		since := s.ChannelFailedAt.String
		v.Channel.Since = &since
	}
	if !configured(s) {
		v.Channel = Channel{Status: "not_configured"}
	}
	return v
}

// GetSettings returns the school's channel settings.
func (m *Bot) GetSettings(ctx context.Context, t *db.Tenant) (Settings, error) {
	s, err := loadSettings(ctx, t.Read())
	if err != nil {
		return Settings{}, errs.Wrap(err, "read whatsapp settings")
	}
	return settingsView(s), nil
}

var (
	digitsRe       = regexp.MustCompile(`^[0-9]{1,32}$`)
	displayRe      = regexp.MustCompile(`^\+?[0-9 ]{0,31}$`)
	secretRe       = regexp.MustCompile(`^[\x21-\x7e]*$`) // printable ASCII, no spaces
	versionRe      = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,3}$`)
	templateNameRe = regexp.MustCompile(`^[a-z0-9_]{0,512}$`)
	languageRe     = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
	clockRe        = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// apply checks in and writes it over s; every problem is named by its field.
func (in SettingsInput) apply(s *tenantdb.ChatbotSetting) error {
	f := errs.Fields{}
	str := func(field string, v *string, dst *string, check func(string) string) {
		if v == nil {
			return
		}
		val := strings.TrimSpace(*v)
		if msg := check(val); msg != "" {
			f.Add(field, msg)
			return
		}
		*dst = val
	}
	str("phone_number_id", in.PhoneNumberID, &s.PhoneNumberID, func(v string) string {
		if v != "" && !digitsRe.MatchString(v) {
			return "must be the phone number id Meta shows for the number: digits only (e.g. 106540352242922)"
		}
		return ""
	})
	str("display_number", in.DisplayNumber, &s.DisplayNumber, func(v string) string {
		if !displayRe.MatchString(v) {
			return "must be a phone number: +, digits and spaces, at most 32 characters"
		}
		return ""
	})
	secret := func(max int) func(string) string {
		return func(v string) string {
			if len(v) > max || !secretRe.MatchString(v) {
				return fmt.Sprintf("must be at most %d printable characters without spaces", max)
			}
			return ""
		}
	}
	oldToken := s.AccessToken
	str("access_token", in.AccessToken, &s.AccessToken, secret(2048))
	str("app_secret", in.AppSecret, &s.AppSecret, secret(256))
	str("verify_token", in.VerifyToken, &s.VerifyToken, secret(256))
	str("graph_url", in.GraphURL, &s.GraphUrl, func(v string) string {
		u, err := url.Parse(v)
		if v == "" || len(v) > 200 || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return "must be an http(s) address such as https://graph.facebook.com"
		}
		return ""
	})
	s.GraphUrl = strings.TrimRight(s.GraphUrl, "/")
	str("graph_version", in.GraphVersion, &s.GraphVersion, func(v string) string {
		if !versionRe.MatchString(v) {
			return "must be a Graph API version such as v22.0"
		}
		return ""
	})
	str("template_language", in.TemplateLanguage, &s.TemplateLanguage, func(v string) string {
		if !languageRe.MatchString(v) {
			return "must be a template language code such as en, sw or en_US"
		}
		return ""
	})
	tpl := func(v string) string {
		if !templateNameRe.MatchString(v) {
			return "must be a template name: lower-case letters, digits and _ (or empty for none)"
		}
		return ""
	}
	str("absence_template", in.AbsenceTemplate, &s.AbsenceTemplate, tpl)
	str("notice_template", in.NoticeTemplate, &s.NoticeTemplate, tpl)
	str("reply_template", in.ReplyTemplate, &s.ReplyTemplate, tpl)
	str("alert_not_before", in.AlertNotBefore, &s.AlertNotBefore, func(v string) string {
		if !clockRe.MatchString(v) {
			return "must be a time of day written HH:MM (24-hour), e.g. 10:00"
		}
		return ""
	})
	if in.AlertDelayMinutes != nil {
		if n := *in.AlertDelayMinutes; n < 0 || n > 1440 {
			f.Add("alert_delay_minutes", "must be a whole number of minutes from 0 to 1440")
		} else {
			s.AlertDelayMinutes = n
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	if s.AccessToken != oldToken {
		// A new token is the fix for a failing channel: give it a chance.
		s.ChannelStatus, s.ChannelError, s.ChannelFailedAt = "ok", "", sql.NullString{}
	}
	return nil
}

// verifyHash is what the catalog keeps of a verify token (see migration 0004).
func verifyHash(token string) string {
	if token == "" {
		return ""
	}
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// SaveSettings changes the school's channel. The number is claimed in the catalog first
// (409 naming phone_number_id if another school has it), then the school's file is
// written; if that fails the catalog is put back, so a failed request changes nothing.
func (m *Bot) SaveSettings(ctx context.Context, t *db.Tenant, in SettingsInput, meta auth.Meta) (Settings, error) {
	cur, err := loadSettings(ctx, t.Read())
	if err != nil {
		return Settings{}, errs.Wrap(err, "read whatsapp settings")
	}
	next := cur
	if err := in.apply(&next); err != nil {
		return Settings{}, err
	}
	tenant, err := m.Catalog.Read().GetTenantBySchema(ctx, t.Schema)
	if err != nil {
		return Settings{}, errs.Wrap(err, "find school in catalog")
	}
	prev, err := m.Catalog.Read().WhatsAppNumberOfTenant(ctx, tenant.ID)
	hadPrev := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Settings{}, errs.Wrap(err, "read whatsapp number map")
	}
	defer m.numbers.flush()
	claim := func(q *catalogdb.Queries, number, hash string) error {
		if number == "" {
			return q.WhatsAppReleaseNumber(ctx, tenant.ID)
		}
		return q.WhatsAppClaimNumber(ctx, catalogdb.WhatsAppClaimNumberParams{PhoneNumberID: number, TenantID: tenant.ID, VerifyTokenSha256: hash})
	}
	err = m.Catalog.Tx(ctx, func(q *catalogdb.Queries) error { return claim(q, next.PhoneNumberID, verifyHash(next.VerifyToken)) })
	m.numbers.flush()
	if db.IsUniqueViolation(err) || isPrimaryKeyViolation(err) {
		return Settings{}, &errs.Error{Code: errs.Conflict, Message: "this WhatsApp number is already set up for another school",
			Fields: map[string]string{"phone_number_id": "is already the number of another school on this appliance"}}
	}
	if err != nil {
		return Settings{}, errs.Wrap(err, "claim whatsapp number")
	}
	var saved tenantdb.ChatbotSetting
	err = t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		saved, err = q.ChatbotSettingsPut(ctx, tenantdb.ChatbotSettingsPutParams{PhoneNumberID: next.PhoneNumberID,
			DisplayNumber: next.DisplayNumber, AccessToken: next.AccessToken, AppSecret: next.AppSecret,
			VerifyToken: next.VerifyToken, GraphUrl: next.GraphUrl, GraphVersion: next.GraphVersion,
			TemplateLanguage: next.TemplateLanguage, AbsenceTemplate: next.AbsenceTemplate,
			NoticeTemplate: next.NoticeTemplate, ReplyTemplate: next.ReplyTemplate, AlertNotBefore: next.AlertNotBefore,
			AlertDelayMinutes: next.AlertDelayMinutes, ChannelStatus: next.ChannelStatus, ChannelError: next.ChannelError,
			ChannelFailedAt: next.ChannelFailedAt})
		if err != nil {
			return err
		}
		return auth.InsertSchoolAudit(ctx, q, meta.Entry("chatbot.settings", "whatsapp", auditDetail(cur, saved)))
	})
	if err != nil {
		rerr := m.Catalog.Tx(context.WithoutCancel(ctx), func(q *catalogdb.Queries) error {
			if hadPrev {
				return claim(q, prev.PhoneNumberID, prev.VerifyTokenSha256)
			}
			return q.WhatsAppReleaseNumber(ctx, tenant.ID)
		})
		if rerr != nil {
			m.Log.Error("whatsapp settings: could not put the catalog back", slog.String("schema", t.Schema), errAttr(rerr))
		}
		return Settings{}, errs.Wrap(err, "save whatsapp settings")
	}
	return settingsView(saved), nil
}

// auditDetail says what changed without writing any secret into the log.
func auditDetail(before, after tenantdb.ChatbotSetting) map[string]any {
	changed := []string{}
	add := func(name string, a, b any) {
		if a != b {
			changed = append(changed, name)
		}
	}
	add("phone_number_id", before.PhoneNumberID, after.PhoneNumberID)
	add("display_number", before.DisplayNumber, after.DisplayNumber)
	add("access_token", before.AccessToken, after.AccessToken)
	add("app_secret", before.AppSecret, after.AppSecret)
	add("verify_token", before.VerifyToken, after.VerifyToken)
	add("graph_url", before.GraphUrl, after.GraphUrl)
	add("graph_version", before.GraphVersion, after.GraphVersion)
	add("template_language", before.TemplateLanguage, after.TemplateLanguage)
	add("absence_template", before.AbsenceTemplate, after.AbsenceTemplate)
	add("notice_template", before.NoticeTemplate, after.NoticeTemplate)
	add("reply_template", before.ReplyTemplate, after.ReplyTemplate)
	add("alert_not_before", before.AlertNotBefore, after.AlertNotBefore)
	add("alert_delay_minutes", before.AlertDelayMinutes, after.AlertDelayMinutes)
	return map[string]any{"changed": changed, "phone_number_id": after.PhoneNumberID}
}

// isPrimaryKeyViolation reports a PRIMARY KEY constraint failing (SQLite's extended
// code 1555): the number is the catalog map's key.
func isPrimaryKeyViolation(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code() == 1555
}
