-- Searching students moves from the trigram index to a copy of their names that each
-- open school keeps in memory (app/core/students/search.go): the index read position
-- lists for every trigram of every word and was most of a search's cost. The copy knows
-- whether it is current by this stamp, which the triggers change with every write to
-- what a search reads. The stamp is random, not a count: a count raised by a write
-- that then rolled back would come again for a different write.
DROP TRIGGER students_search_insert;
DROP TRIGGER students_search_delete;
DROP TRIGGER students_search_update;
DROP TABLE students_search;

CREATE TABLE student_search_stamp (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp INTEGER NOT NULL
);
INSERT INTO student_search_stamp (id, stamp) VALUES (1, random());

CREATE TRIGGER student_search_stamp_insert AFTER INSERT ON students BEGIN
    UPDATE student_search_stamp SET stamp = random();
END;
CREATE TRIGGER student_search_stamp_delete AFTER DELETE ON students BEGIN
    UPDATE student_search_stamp SET stamp = random();
END;
CREATE TRIGGER student_search_stamp_update AFTER UPDATE OF id, first_name, middle_name, last_name, admission_no ON students BEGIN
    UPDATE student_search_stamp SET stamp = random();
END;
