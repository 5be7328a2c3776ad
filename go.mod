module softsa

go 1.26.8
