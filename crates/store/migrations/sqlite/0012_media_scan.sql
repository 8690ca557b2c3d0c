-- Which virus signatures a stored file was scanned with (clamd's engine/daily version), or NULL
-- for a file stored unscanned (the scanner was down and the operator chose to accept): the
-- rescan after a signature update starts from these.
ALTER TABLE media ADD COLUMN scanned_with TEXT;
