package records

// TimelineSQL lets tests look at the plan of a timeline page query.
func TimelineSQL(personID int64, q TimelineQuery, oneCopy bool) (string, []any, error) {
	return timelineSQL(personID, &q, oneCopy)
}
