-- Visits that saw one person (a person page, an answer to a family) without reading every
-- finding.
CREATE INDEX visit_findings_person ON visit_findings(person_id);
