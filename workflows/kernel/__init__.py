"""What every context of this layer shares: settings, logging, the request types every body uses, and how domain
errors cross Temporal."""
