-- The map's first look (adapters/sqlite/src/report_query.rs, NewestWindow):
-- the newest reports in order, with their place and the columns the scope
-- and the map's filters test, so a dense box's page is found among the
-- newest few thousand entries of this narrow index instead of reading
-- every report in the box from the table.
CREATE INDEX reports_newest_places
    ON reports (id, lat, lng, visibility, status, category, reporter);
