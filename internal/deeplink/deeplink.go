// Package deeplink receives OAuth2 redirects for Fasten (RFC 8252).
//
// The preferred redirect is the private-use URI scheme Scheme (RFC 8252 §7.1).
// On macOS the URL arrives through Wails' Mac.OnUrlOpen. On Windows and Linux
// the OS starts a second process with the URL as its argument; that process
// calls Forward to hand the URL to the running instance (the window or a
// headless `fasten connect`), which called Listen, and exits.
//
// For authorization servers that refuse custom schemes, StartLoopback serves
// an http://127.0.0.1:PORT/callback redirect (RFC 8252 §7.3).
//
// Redirect URLs carry authorization codes: nothing in this package logs them,
// and no error it returns contains one.
package deeplink

import (
	"net/url"
	"strings"
)

// Scheme is Fasten's private-use URI scheme (reverse DNS, RFC 8252 §7.1).
const Scheme = "org.fastenhealth.desktop"

// RedirectURI is the redirect URI registered with authorization servers.
const RedirectURI = Scheme + ":/callback"

// MaxURLLen is the longest deep link accepted, in bytes. It keeps a forwarded
// request within the 8 KB line limit.
const MaxURLLen = 7 * 1024

// IsDeepLink reports whether a command-line argument is one of our URLs: its
// scheme is Scheme (case-insensitive). Both "org.fastenhealth.desktop:/callback?…"
// and "org.fastenhealth.desktop://callback?…" qualify. Arguments that are too
// long or contain control characters do not.
func IsDeepLink(arg string) bool {
	if len(arg) <= len(Scheme)+1 || len(arg) > MaxURLLen {
		return false
	}
	if !strings.EqualFold(arg[:len(Scheme)], Scheme) || arg[len(Scheme)] != ':' {
		return false
	}
	for i := 0; i < len(arg); i++ {
		if c := arg[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	u, err := url.Parse(arg)
	return err == nil && strings.EqualFold(u.Scheme, Scheme)
}

// FromArgs returns the first argument that IsDeepLink, if any (pass os.Args[1:]).
func FromArgs(args []string) (string, bool) {
	for _, a := range args {
		if IsDeepLink(a) {
			return a, true
		}
	}
	return "", false
}
