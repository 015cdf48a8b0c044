package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
)

// The sandbox signs id_tokens (RS256) and verifies Epic-style client
// assertions (RS384 only) with internal/jwt, the same code the client uses;
// its tests check signatures independently with crypto/rsa.

var (
	keyOnce   sync.Once
	sharedKey *rsa.PrivateKey
	keyErr    error
)

// signingKey is generated once per process: RSA keygen costs tens of
// milliseconds and tests start many servers; each server still has its own
// issuer so tokens do not cross.
func signingKey() (*rsa.PrivateKey, error) {
	keyOnce.Do(func() { sharedKey, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	return sharedKey, keyErr
}
