package smart

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrorKind classifies a failure so the UI can choose what to offer the
// person (try again, reconnect, nothing to do) without parsing strings.
type ErrorKind int

const (
	// AccessDenied: the person declined at the portal. Not a fault.
	AccessDenied ErrorKind = iota + 1
	// StateMismatch: the redirect does not belong to a sign-in we started
	// (forged, replayed, or for another provider).
	StateMismatch
	// Expired: the pending sign-in is older than its 10-minute lifetime.
	Expired
	// ProviderError: the provider answered with an OAuth error.
	ProviderError
	// BadResponse: the provider's answer is malformed or incomplete.
	BadResponse
	// IssuerMismatch: the response names another authorization server
	// (RFC 9207 mix-up defence, or an id_token from a foreign issuer).
	IssuerMismatch
	// TokenMismatch: the id_token contradicts the token response (e.g. it
	// names another patient) or is not for this client.
	TokenMismatch
	// NeedsReconnect: the refresh token or device registration is no longer
	// accepted; only a new sign-in helps.
	NeedsReconnect
	// Insecure: an endpoint is not https and developer mode is off.
	Insecure
	// Network: the provider could not be reached.
	Network
)

var kindNames = map[ErrorKind]string{
	AccessDenied: "access denied", StateMismatch: "state mismatch", Expired: "expired",
	ProviderError: "provider error", BadResponse: "bad response", IssuerMismatch: "issuer mismatch",
	TokenMismatch: "token mismatch", NeedsReconnect: "needs reconnect", Insecure: "insecure endpoint",
	Network: "network",
}

func (k ErrorKind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return "unknown"
}

// Person-facing messages: plain language, no jargon, and they say whether
// anything was connected, because that is what people worry about.
const (
	msgDiscovery     = "This provider's sign-in settings could not be read. Check the address, or try again later."
	msgAccessDenied  = "You chose not to share your records with Fasten. Nothing was connected."
	msgStateMismatch = "This sign-in response doesn't match a sign-in started in Fasten, so it was ignored. Nothing was connected. Please start connecting again."
	msgExpired       = "The sign-in took too long and expired. Nothing was connected. Please start connecting again."
	msgProvider      = "The provider couldn't complete the sign-in. Nothing was connected. Please try again; if it keeps happening, try later."
	msgBadResponse   = "The provider sent an answer Fasten couldn't use, so nothing was connected. Please try again later."
	msgIssuer        = "The sign-in answer came from a different server than the provider you chose, so Fasten rejected it for your safety. Nothing was connected."
	msgTokenMismatch = "The provider's answer didn't match this sign-in (it may name a different person), so Fasten rejected it for your safety. Nothing was connected."
	msgReconnect     = "Fasten's access to this provider has ended or was withdrawn. Please reconnect to keep these records up to date."
	msgInsecure      = "This provider's address doesn't use a secure (https) connection, so Fasten won't connect to it."
	msgNetwork       = "Fasten couldn't reach the provider. Check your internet connection and try again."
	msgCallback      = "The sign-in link couldn't be read. Nothing was connected. Please start connecting again."
	msgRegistration  = "Fasten couldn't finish setting up long-term access with this provider. Please try connecting again."
)

// Error is every failure this package returns. Message is for the person;
// Cause is technical detail for logs and never carries a token, code or
// verifier.
type Error struct {
	Kind    ErrorKind
	Message string
	Cause   error
	// Status is the HTTP status of the provider's answer, 0 when there was
	// none (network failure, a check of ours).
	Status int
	// ProviderCode and ProviderDescription are the provider's own OAuth
	// "error" and "error_description" (e.g. "invalid_client", "invalid
	// client_id"), sanitised: control and formatting characters removed,
	// anything token-like and every secret of the flow cut out, length
	// capped. Empty when the provider gave none. They are the provider's
	// words, so show them as such ("the provider said: …"), next to Message.
	ProviderCode, ProviderDescription string
}

// ProviderWords is what the provider itself said about the failure: its
// error_description, else its error code; empty when it said nothing.
func (e *Error) ProviderWords() string {
	if e.ProviderDescription != "" {
		return e.ProviderDescription
	}
	return e.ProviderCode
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return "smart: " + e.Kind.String() + ": " + e.Cause.Error()
	}
	return "smart: " + e.Kind.String()
}

func (e *Error) Unwrap() error { return e.Cause }

// Transient reports whether err is worth trying again later as it is: the
// provider could not be reached, or answered with a server-side failure
// (5xx, 408, 429). Everything else (refused grants, bad answers, mismatches)
// will fail the same way until something changes.
func Transient(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch {
	case e.Kind == Network:
		return true
	case e.Kind == ProviderError:
		return e.Status >= 500 || e.Status == 408 || e.Status == 429
	}
	return false
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// newErr builds an *Error, scrubbing the cause of every secret passed. The
// cause is kept as-is (for errors.Is) when it contains none of them.
func newErr(k ErrorKind, msg string, cause error, secrets ...string) *Error {
	return &Error{Kind: k, Message: msg, Cause: scrub(cause, secrets...)}
}

// scrub is defence in depth: causes are built from non-secret parts, but
// servers echo request data in error_description and Go's url errors quote
// whole URLs, so anything known to be secret is cut out before it can reach
// a log.
func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	out := s
	for _, sec := range secrets {
		if len(sec) >= 4 { // shorter "secrets" would shred ordinary text
			out = strings.ReplaceAll(out, sec, "[redacted]")
		}
	}
	if out == s {
		return err
	}
	return errors.New(out)
}

const maxProviderText = 200

// tokenLikeRE matches long unbroken runs of token alphabet: JWTs, opaque
// access/refresh tokens, codes. Providers echo request parameters into
// error_description; no human-readable description has such words.
var tokenLikeRE = regexp.MustCompile(`[A-Za-z0-9_\-.~+/=]{32,}`)

// ansiRE matches terminal escape sequences (CSI and OSC), removed whole so
// no parameters are left behind once the ESC is gone.
var ansiRE = regexp.MustCompile(`\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?)`)

// providerText makes a provider-supplied string safe to show and log: no
// control or bidi/formatting characters (which could rewrite a terminal
// line or reorder text), no known secret, nothing token-like, at most
// maxProviderText runes.
func providerText(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = ansiRE.ReplaceAllString(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	s = tokenLikeRE.ReplaceAllString(s, "[redacted]")
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxProviderText {
		s = string(r[:maxProviderText]) + "…"
	}
	return s
}

// providerErr is newErr for an error answer of the provider: it also keeps
// the status and the provider's own (sanitised) code and description.
// The cause gets the same treatment: it goes to logs, where a raw control
// character could forge lines.
func providerErr(k ErrorKind, msg string, cause *httpStatusError, secrets ...string) *Error {
	cause.Code, cause.Desc = providerText(cause.Code, secrets...), providerText(cause.Desc, secrets...)
	e := newErr(k, msg, cause, secrets...)
	e.Status, e.ProviderCode, e.ProviderDescription = cause.Status, cause.Code, cause.Desc
	return e
}
