// Package tenancy decides which school a request belongs to: by host name through the
// catalog's domains, or by a /t/<schema_name>/ path prefix, and hands the request that
// school's open file. Nothing here keeps a global "current tenant".
package tenancy

import (
	"errors"
	"net"
	"strings"
)

// MaxHostLen is the longest host name DNS allows.
const MaxHostLen = 253

var (
	errEmptyHost = errors.New("the Host header is empty")
	errLongHost  = errors.New("the Host header is longer than 253 characters")
	errBadHost   = errors.New("the Host header is not a valid host name")
)

// NormalizeHost turns a Host header into the name routing looks up: the port stripped,
// lower case, without a trailing dot. IPv6 literals keep their brackets ("[::1]").
func NormalizeHost(raw string) (string, error) {
	h, _, err := SplitHost(raw)
	return h, err
}

// SplitHost is NormalizeHost that also returns the port ("" when there is none).
func SplitHost(raw string) (host, port string, err error) {
	// Spaces only: fasthttp trims those from header values itself, but cannot parse a
	// host with a tab, and then routes the request to "/" whatever its path was.
	h := strings.Trim(raw, " ")
	if h == "" {
		return "", "", errEmptyHost
	}
	if len(h) > MaxHostLen+7 { // room for ":65535" and brackets, nothing more
		return "", "", errLongHost
	}
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 || net.ParseIP(h[1:end]) == nil {
			return "", "", errBadHost
		}
		rest := h[end+1:]
		if rest != "" && (!strings.HasPrefix(rest, ":") || !validPort(rest[1:])) {
			return "", "", errBadHost
		}
		return strings.ToLower(h[:end+1]), strings.TrimPrefix(rest, ":"), nil
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if !validPort(h[i+1:]) {
			return "", "", errBadHost
		}
		h, port = h[:i], h[i+1:]
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "" {
		return "", "", errEmptyHost
	}
	if len(h) > MaxHostLen {
		return "", "", errLongHost
	}
	// Empty labels ("a..b", ".a", "a..") name nothing; refusing them keeps one spelling
	// of each name, so normalising a normalised host changes nothing.
	if strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, "..") {
		return "", "", errBadHost
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", "", errBadHost
		}
	}
	return h, port, nil
}

// validPort accepts 0-65535 written as plain digits, or nothing ("host:" is allowed by
// RFC 3986 and means the default port).
func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// IsIP reports whether a normalised host is an IP literal rather than a name.
func IsIP(host string) bool {
	return strings.HasPrefix(host, "[") || net.ParseIP(host) != nil
}

// CheckDomain validates a domain a school is to be reached at, returning it normalised.
// Unlike a Host header it must be a real name: labels of letters, digits and hyphens.
func CheckDomain(raw string) (string, error) {
	if strings.ContainsAny(raw, ":/[] ") {
		return "", errors.New("must be a host name without scheme, port or path (e.g. school.example.org)")
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
	if d == "" {
		return "", errors.New("must not be empty")
	}
	if len(d) > MaxHostLen {
		return "", errors.New("must be at most 253 characters")
	}
	if net.ParseIP(d) != nil {
		return "", errors.New("must be a host name, not an IP address")
	}
	labels := strings.Split(d, ".")
	if endsInNumber(labels[len(labels)-1]) {
		return "", errors.New("must be a host name: its last part cannot be a number, which browsers read as an IP address")
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 {
			return "", errors.New("each dot-separated part must be 1-63 characters")
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", errors.New("a part may not start or end with a hyphen")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", errors.New("may contain only letters, digits, hyphens and dots")
			}
		}
	}
	return d, nil
}

// endsInNumber reports whether a host's last label makes browsers read the whole host as
// an IPv4 address (the URL standard's "ends in a number"): all decimal digits, or 0x
// followed by hex digits. 127.1 and 2130706433 both open 127.0.0.1; 99999999999999999999
// opens nothing.
func endsInNumber(label string) bool {
	digits, hex := label, false
	if len(label) >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X') {
		digits, hex = label[2:], true
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if !(c >= '0' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
			return false
		}
	}
	return digits != "" || hex
}
