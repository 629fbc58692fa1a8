// The integration suite starts PostgreSQL with initdb/pg_ctl and runuser: it runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
