package fhir

import (
	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

var _ = jsonformat.NewUnmarshaller
var _ = fhirversion.R4
