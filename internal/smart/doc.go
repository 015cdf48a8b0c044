// Package smart connects Fasten to patient portals with the SMART App Launch
// "standalone patient" flow as a public native client: discovery, PKCE
// authorization, code exchange, refresh, and Epic's dynamic client
// registration with JWT-bearer refresh.
//
// It deliberately knows nothing about Wails, the database or the UI: callers
// open the authorization URL, receive the redirect (custom URL scheme or
// loopback), and persist the Grant however they like. Keeping it pure makes
// every step testable over real HTTP against the loopback sandbox.
//
// Secrets (codes, verifiers, access/refresh/id tokens) never appear in error
// strings: errors are *Error values whose Cause is built from non-secret
// details and additionally scrubbed of any secret the flow knows about.
package smart
