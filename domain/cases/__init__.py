"""Monitoring cases (监测对象): identification, assistance, elimination, look-back and rollback."""
