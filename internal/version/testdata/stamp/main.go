// A program that prints the version string: TestLinkerStampReachesBinary
// links it with the Makefile's stamp.
package main

import (
	"fmt"

	"github.com/fastenhealth/fasten-desktop/internal/version"
)

func main() { fmt.Print(version.String()) }
