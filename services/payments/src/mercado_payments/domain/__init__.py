"""The payments domain: payments, money in minor units, named errors."""
