-- Receipt numbers from one sequence per year instead of a counter row.
--
-- The counter row (`receipt_counters`) was updated by every submit in a
-- statement of its own, which commits — and waits for its WAL flush — with
-- the row locked: every submit in the province queued behind the last one's
-- disk write (0.51 × a bare INSERT's throughput). A sequence hands out
-- numbers without a lock held to commit and without a commit of its own.
--
-- What stays: numbers count up per year from 1 and are never reused. What
-- changes: a number drawn by a submit that then fails is not used by
-- anyone (a gap), and a crash can skip up to 32 numbers (a sequence logs
-- ahead in steps of 32). Gaps were possible before too (a submit failing
-- after drawing its number); they are now documented in the README.
--
-- Upgrading: servers older than this migration still draw from the counter
-- table and would hand out numbers the sequences also hand out. The table
-- is dropped here so that an old server's submit fails loudly rather than
-- colliding: stop the old servers before starting new ones.

-- The year's sequence, created on the first receipt of a year; it starts
-- after the last number the counter table handed out.
CREATE FUNCTION create_receipt_sequence(receipt_year integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I AS bigint MINVALUE 1 START 1',
                   'receipt_' || receipt_year);
EXCEPTION
    -- Two servers creating the year's sequence at once: the other one won.
    WHEN unique_violation OR duplicate_table THEN NULL;
END
$$;

-- The next receipt sequence number of a year (the sequence is looked up by
-- name in the current schema; one catalog lookup per call).
CREATE FUNCTION next_receipt(receipt_year integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    sequence_name text := 'receipt_' || receipt_year;
BEGIN
    IF to_regclass(quote_ident(sequence_name)) IS NULL THEN
        PERFORM create_receipt_sequence(receipt_year);
    END IF;
    RETURN nextval(quote_ident(sequence_name)::regclass);
END
$$;

-- Years already counted continue where their counter stopped.
DO $$
DECLARE
    counter record;
BEGIN
    FOR counter IN SELECT year, last FROM receipt_counters LOOP
        PERFORM create_receipt_sequence(counter.year);
        PERFORM setval(quote_ident('receipt_' || counter.year)::regclass, counter.last, true);
    END LOOP;
END
$$;

DROP TABLE receipt_counters;
