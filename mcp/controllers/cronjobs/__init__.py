"""The CronJob controller (batch/v1): so far its pure schedule arithmetic (`schedule`)."""
