"""Tests of magcore-web's front end: sign-in, sessions, pages and the browser."""
