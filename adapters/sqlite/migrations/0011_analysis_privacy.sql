-- Personal data in a report's text: the LLM's verdict (`personal_data`, null
-- when unknown), the pieces it pointed at (`spans`) and an officer's review
-- (`review`: decision, by, at), as one JSON object; NULL on analyses stored
-- before, read as "unknown, not reviewed".
ALTER TABLE reports ADD COLUMN analysis_privacy TEXT;
